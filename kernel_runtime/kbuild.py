"""Generate, assemble and link the kernel image from the x86-64 syscall table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import Syscall, render_kernel, select_64
from syscalltbl.kernel_runtime.elfimage import Image, read_image
from syscalltbl.kernel_runtime.toolchain import build_elf

from syscalltbl.paths import data_dir
from syscalltbl.tblparse import parse_table

TABLE = Path("x86") / "entry" / "syscalls" / "syscall_64.tbl"


def default_table() -> Path:
    return data_dir("arch") / TABLE


@dataclass(frozen=True, slots=True)
class Kernel:
    elf: Path
    image: Image
    syscalls: tuple[Syscall, ...]

    def symbol(self, name: str) -> int:
        try:
            return self.image.symbols[name]
        except KeyError:
            raise LookupError(f"kernel image {self.elf} has no symbol {name}") from None


def build_kernel(
    table: str | Path | None,
    implemented: Iterable[str],
    syscall_mask: Sequence[str] = abi.LINUX_SYSCALL_MASK,
) -> Kernel:
    path = Path(table) if table is not None else default_table()
    syscalls = select_64(parse_table(path))
    # The banner names the table as the tree spells it, so the output is
    # the same wherever the checkout lives.
    source = (Path("arch") / TABLE).as_posix() if path == default_table() else path.name
    sources = render_kernel(syscalls, implemented, source=source, syscall_mask=syscall_mask)
    elf = build_elf(sources, linker_script="kernel.lds", name="vmlinux")
    return Kernel(elf, read_image(elf), tuple(syscalls))
