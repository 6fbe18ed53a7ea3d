"""Generate, assemble and link the kernel image from the x86-64 syscall table."""

from __future__ import annotations

import hashlib
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import Syscall, render_kernel, select_64
from syscalltbl.generators.x86_64.pylib import render_sys_call_table
from syscalltbl.generators.x86_64.userlib import render_userlib
from syscalltbl.kernel_runtime.elfimage import Image, read_image
from syscalltbl.kernel_runtime.syscalls.registry import TableEntry
from syscalltbl.kernel_runtime.toolchain import build_elf, build_userlib

from syscalltbl.paths import data_dir
from syscalltbl.prototype_model import Prototype
from syscalltbl.prototypes import parse_prototypes
from syscalltbl.tblparse import parse_table

TABLE = Path("x86") / "entry" / "syscalls" / "syscall_64.tbl"


def default_table() -> Path:
    return data_dir("arch") / TABLE


def _shown(path: Path) -> str:
    # The banner names the table as the tree spells it, so the output is
    # the same wherever the checkout lives.
    return (Path("arch") / TABLE).as_posix() if path == default_table() else path.name


@dataclass(frozen=True, slots=True)
class Kernel:
    elf: Path
    image: Image
    syscalls: tuple[Syscall, ...]
    #: The generated Python sys_call_table (common,64): what handlers are bound through.
    table: tuple[TableEntry, ...]

    def symbol(self, name: str) -> int:
        try:
            return self.image.symbols[name]
        except KeyError:
            raise LookupError(f"kernel image {self.elf} has no symbol {name}") from None


def build_kernel(
    table: str | Path | None,
    implemented: Iterable[str],
    syscall_mask: Sequence[str] = abi.LINUX_SYSCALL_MASK,
    *,
    trace_all: bool = False,
) -> Kernel:
    """The kernel image; `trace_all` sends every entry, holes too, to the Python trap."""
    path = Path(table) if table is not None else default_table()
    syscalls = select_64(parse_table(path))
    source = _shown(path)
    if trace_all:
        implemented = {s.entry_point for s in syscalls}
    sources = render_kernel(syscalls, implemented, source=source, syscall_mask=syscall_mask)
    elf = build_elf(sources, linker_script="kernel.lds", name="vmlinux")
    return Kernel(elf, read_image(elf), tuple(syscalls), load_sys_call_table(syscalls, source).sys_call_table)


PROTOTYPES = Path("x86") / "include" / "syscalls_64.h"


def load_sys_call_table(syscalls: Sequence[Syscall], source: str) -> types.ModuleType:
    """Render the Python sys_call_table module for `syscalls` and load it (cached by its text)."""
    text = render_sys_call_table(
        syscalls, load_prototypes(), abis=("common", "64"), source=source, protos=PROTOTYPES.as_posix()
    )
    return _load_module(text)


@cache
def _load_module(text: str) -> types.ModuleType:
    name = "sys_call_table_64_" + hashlib.sha256(text.encode()).hexdigest()[:16]
    module = types.ModuleType(name)
    exec(compile(text, f"<generated {name}>", "exec"), module.__dict__)
    return module


def default_prototypes() -> Path:
    return data_dir("arch") / PROTOTYPES


@cache
def load_prototypes(header: Path | None = None) -> dict[str, Prototype]:
    """Entry point (sys_read) -> prototype, from the project's header or `header`."""
    parsed = parse_prototypes(header or default_prototypes())
    return {p.name: p for p in parsed.prototypes}


def build_user_library(table: str | Path | None = None, header: Path | None = None) -> Path:
    """The directory holding syscall.h, crt0.o and libsyscall.a for `table`."""
    path = Path(table) if table is not None else default_table()
    syscalls = select_64(parse_table(path))
    sources = render_userlib(syscalls, load_prototypes(header), source=_shown(path), protos=PROTOTYPES.as_posix())
    return build_userlib(sources)
