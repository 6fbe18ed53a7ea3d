"""Generate, assemble and link the kernel image from the x86-64 syscall table."""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import (
    NI_SYSCALL,
    Syscall,
    ia32_symbol,
    nr_syscalls,
    render_kernel,
    select_64,
    select_ia32,
)
from syscalltbl.generators.x86_64.pylib import render_sys_call_table
from syscalltbl.generators.x86_64.userlib import render_userlib
from syscalltbl.kernel_runtime.elfimage import Image, read_image
from syscalltbl.kernel_runtime.syscalls.registry import TableEntry
from syscalltbl.kernel_runtime.toolchain import build_elf, build_userlib

from syscalltbl import cache as content_cache
from syscalltbl.paths import data_dir
from syscalltbl.prototype_model import Prototype
from syscalltbl.prototypes import parse_prototypes
from syscalltbl.tblparse import parse_table

TABLE = Path("x86") / "entry" / "syscalls" / "syscall_64.tbl"
#: What a cached kernel also depends on, beyond the generators: how it is built and read.
_OWN_SOURCES = tuple(Path(__file__).parent / f"{name}.py" for name in ("kbuild", "elfimage", "toolchain"))
TABLE_32 = Path("x86") / "entry" / "syscalls" / "syscall_32.tbl"


def default_table() -> Path:
    return data_dir("arch") / TABLE


def ia32_table_for(table_64: Path) -> Path:
    """The i386 table beside a 64-bit one (a project's arch/), else the shipped one."""
    beside = table_64.parent / TABLE_32.name
    return beside if beside.is_file() else data_dir("arch") / TABLE_32


@dataclass(frozen=True, slots=True)
class Ia32Entry:
    """One ia32_sys_call_table slot, as the runtime binds and traces it (a TableEntry)."""

    number: int  # -1: a hole
    name: str
    entry_point: str  # the compat column where the table has one
    symbol: str
    prototype: str | None
    noreturn: bool


def ia32_entries(syscalls: Sequence[Syscall]) -> tuple[Ia32Entry, ...]:
    """Index nr holds what int $0x80 with eax = nr reaches."""
    by_number: dict[int, Syscall] = {}
    for s in syscalls:
        by_number.setdefault(s.number, s)
    hole = Ia32Entry(-1, "ni_syscall", NI_SYSCALL, ia32_symbol(NI_SYSCALL), None, False)
    return tuple(
        hole
        if (e := by_number.get(n)) is None
        else Ia32Entry(n, e.name, e.entry_point, ia32_symbol(e.entry_point), None, e.noreturn)
        for n in range(nr_syscalls(syscalls))
    )


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
    #: ia32_sys_call_table (syscall_32.tbl, i386), what int $0x80 dispatches through.
    ia32_table: tuple[Ia32Entry, ...] = ()

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
    """The kernel image; `trace_all` sends every entry, holes too, to the Python trap.

    Kept in the content-addressed cache under a key over every input (both
    tables, the prototypes, what is implemented, the generators and this
    module), so a machine boots without parsing or rendering anything twice.
    """
    path = Path(table) if table is not None else default_table()
    path_32 = ia32_table_for(path)
    implemented = sorted(set(implemented))
    key = content_cache.digest(
        "kernel", content_cache.code_fingerprint(), *(p.read_bytes() for p in _OWN_SOURCES),
        str(path), path.read_bytes(), str(path_32), path_32.read_bytes(), default_prototypes().read_bytes(),
        "\0".join(implemented), "\0".join(syscall_mask), str(trace_all),
    )  # fmt: skip
    if content_cache.enabled() and (blob := content_cache.get("kernel", key)) is not None:
        with contextlib.suppress(Exception):  # an entry from another version of these classes: rebuild
            elf, image, syscalls_64, table_text, ia32_table = pickle.loads(blob)
            if Path(elf).is_file():
                return Kernel(Path(elf), image, syscalls_64, _load_module(table_text).sys_call_table, ia32_table)
    kernel, table_text = _build_kernel(path, path_32, implemented, syscall_mask, trace_all)
    if content_cache.enabled():
        content_cache.put("kernel", key, pickle.dumps(
            (str(kernel.elf), kernel.image, kernel.syscalls, table_text, kernel.ia32_table)))
    return kernel


def _build_kernel(
    path: Path, path_32: Path, implemented: Iterable[str], syscall_mask: Sequence[str], trace_all: bool
) -> tuple[Kernel, str]:
    syscalls = select_64(parse_table(path))
    ia32 = select_ia32(parse_table(path_32))
    source = _shown(path)
    if trace_all:
        implemented = {s.entry_point for s in syscalls} | {s.entry_point for s in ia32}
    shown_32 = (Path("arch") / TABLE_32).as_posix() if path_32 == data_dir("arch") / TABLE_32 else path_32.name
    sources = render_kernel(
        syscalls, implemented, source=source, syscall_mask=syscall_mask, ia32=ia32, ia32_source=shown_32
    )
    elf = build_elf(sources, linker_script="kernel.lds", name="vmlinux")
    table_text = sys_call_table_text(syscalls, source)
    kernel = Kernel(elf, read_image(elf), tuple(syscalls), _load_module(table_text).sys_call_table, ia32_entries(ia32))
    return kernel, table_text


PROTOTYPES = Path("x86") / "include" / "syscalls_64.h"


def sys_call_table_text(syscalls: Sequence[Syscall], source: str) -> str:
    """The Python sys_call_table module for `syscalls`, as generated."""
    return render_sys_call_table(
        syscalls, load_prototypes(), abis=("common", "64"), source=source, protos=PROTOTYPES.as_posix()
    )



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
