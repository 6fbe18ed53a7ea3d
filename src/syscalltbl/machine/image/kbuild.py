"""Generate, assemble and link the kernel image from an x86-64 target's tables."""

from __future__ import annotations

import contextlib
import importlib.util
import marshal
import sys
import types
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.generators.generate import code_fingerprint
from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import NI_SYSCALL, Syscall, dense, ia32_symbol
from syscalltbl.machine.image.elfimage import Image, Segment
from syscalltbl.machine.image.table import TableEntry
from syscalltbl.store import cache as content_cache
from syscalltbl.store import cachebound, filestamp

# A warm start reads the kernel from the cache: what builds one (the renderers, Jinja2, the table and
# prototype parsers with Lark, pyelftools, as/ld) is imported where it is used, not here.
from syscalltbl.store.record import Frozen
from syscalltbl.tables import target as target_module
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.limits import read_bounded
from syscalltbl.tables.read import load_prototype_file, prototype_parser_sources
from syscalltbl.tables.target import ABIS, PROTOTYPES, TABLE, TABLE_32, X86_64Target, default

if TYPE_CHECKING:
    from syscalltbl.tables.prototype_model import Prototype

#: What a cached kernel also depends on, beyond the generators: how it is built and read, how its
#: prototypes are parsed, and which files a target names.
_OWN_SOURCES = (
    *(Path(__file__).parent / f"{name}.py" for name in ("kbuild", "elfimage", "toolchain", "table")),
    *prototype_parser_sources(),
    Path(target_module.__file__ or ""),
)


def _inputs_fingerprint(inputs: Iterable[Path]) -> str:
    """The hash of this module's own sources and of a target's tables and prototypes, from the files'
    stat() while they are unchanged (store/filestamp.py): reading and hashing the target's 66 KB at every
    start cost a warm `run` 0.4 ms. Not remembered in the process: a project's table changes under it."""
    return filestamp.fingerprint([*(str(path) for path in _OWN_SOURCES), *(str(path) for path in inputs)])


class Ia32Entry(Frozen):
    """One ia32_sys_call_table slot, as the runtime binds and traces it (a TableEntry)."""

    number: int  # -1: a hole
    name: str
    entry_point: str  # the compat column where the table has one
    symbol: str
    prototype: str | None
    noreturn: bool

    __slots__ = _fields = ("number", "name", "entry_point", "symbol", "prototype", "noreturn")

    def __init__(
        self,
        number: int,
        name: str,
        entry_point: str,
        symbol: str,
        prototype: str | None,
        noreturn: bool,
    ) -> None:
        object.__setattr__(self, "number", number)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "entry_point", entry_point)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "prototype", prototype)
        object.__setattr__(self, "noreturn", noreturn)


def ia32_entries(syscalls: Sequence[Syscall]) -> tuple[Ia32Entry, ...]:
    """Index nr holds what int $0x80 with eax = nr reaches."""
    hole = Ia32Entry(-1, "ni_syscall", NI_SYSCALL, ia32_symbol(NI_SYSCALL), None, False)
    return tuple(
        hole if e is None else Ia32Entry(e.number, e.name, e.entry_point, ia32_symbol(e.entry_point), None, e.noreturn)
        for e in dense(syscalls)
    )


def _shown(path: Path, relative: Path) -> str:
    from syscalltbl.tables import shipped

    # The banner names a shipped table as the tree spells it, so the output is
    # the same wherever syscalltbl is installed.
    return (Path("arch") / relative).as_posix() if path == shipped.arch() / relative else path.name


class Kernel(Frozen):
    elf: Path
    image: Image
    syscalls: tuple[Syscall, ...]
    #: The generated Python sys_call_table (common,64): what handlers are bound through.
    table: tuple[TableEntry, ...]
    #: ia32_sys_call_table (syscall_32.tbl, i386), what int $0x80 dispatches through.
    ia32_table: tuple[Ia32Entry, ...]

    __slots__ = _fields = ("elf", "image", "syscalls", "table", "ia32_table")

    def __init__(
        self,
        elf: Path,
        image: Image,
        syscalls: tuple[Syscall, ...],
        table: tuple[TableEntry, ...],
        ia32_table: tuple[Ia32Entry, ...] = (),
    ) -> None:
        object.__setattr__(self, "elf", elf)
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "syscalls", syscalls)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "ia32_table", ia32_table)

    def symbol(self, name: str) -> int:
        try:
            return self.image.symbols[name]
        except KeyError:
            raise LookupError(f"kernel image {self.elf} has no symbol {name}") from None


def build_kernel(
    target: X86_64Target,
    implemented: Iterable[str],
    syscall_mask: Sequence[str] = abi.LINUX_SYSCALL_MASK,
    *,
    trace_all: bool = False,
) -> Kernel:
    """The kernel image of `target`; `trace_all` sends every entry, holes too, to the Python trap.

    Kept in the content-addressed cache under a key over every input (both
    tables, the prototypes, what is implemented, the generators and this
    module), so a machine boots without parsing or rendering anything twice.
    """
    implemented = sorted(set(implemented))
    inputs = (target.table, target.table_32, target.prototypes)
    key = content_cache.digest(
        "kernel", code_fingerprint(), _inputs_fingerprint(inputs), *(str(path) for path in inputs),
        "\0".join(implemented), "\0".join(syscall_mask), str(trace_all),
    )  # fmt: skip
    if content_cache.enabled() and (blob := content_cache.get("kernel", key)) is not None:
        with contextlib.suppress(Exception):  # an entry of another shape: rebuild
            elf, image, syscalls_64, cached_table, ia32_table = _thaw(marshal.loads(blob))
            for directory in (Path(elf).parent, Path(cached_table).parent):
                cachebound.used(directory)  # used with this entry: not evicted before it
            if Path(elf).is_file() and Path(cached_table).is_file():
                table = _load_module(Path(cached_table)).sys_call_table
                return Kernel(Path(elf), image, syscalls_64, table, ia32_table)
    kernel, table_module = _build_kernel(target, implemented, syscall_mask, trace_all)
    if content_cache.enabled():
        content_cache.put("kernel", key, marshal.dumps(_frozen(kernel, table_module)))
    return kernel


#: A cached kernel as plain tuples: unpickling about a thousand frozen slotted dataclasses goes through
#: dataclasses' __setstate__, field by field, and was a tenth of a warm `run`'s start-up. Kept with marshal,
#: which the interpreter has built in: importing pickle cost a warm `run` 1.5 ms.
_Frozen = tuple[
    str, tuple[int, tuple[tuple[int, int, bytes, bool, bool], ...], dict[str, int], int, int, int],
    tuple[tuple[int, str, str, bool], ...], str, tuple[tuple[int, str, str, str, str | None, bool], ...],
]


def _frozen(kernel: Kernel, table_module: Path) -> _Frozen:
    image = kernel.image
    segments = tuple((s.vaddr, s.memsz, s.data, s.write, s.execute) for s in image.segments)
    return (
        str(kernel.elf),
        (image.entry, segments, image.symbols, image.phdr, image.phent, image.phnum),
        tuple((s.number, s.name, s.entry_point, s.noreturn) for s in kernel.syscalls),
        str(table_module),
        tuple((e.number, e.name, e.entry_point, e.symbol, e.prototype, e.noreturn) for e in kernel.ia32_table),
    )


def _thaw(frozen: _Frozen) -> tuple[str, Image, tuple[Syscall, ...], str, tuple[Ia32Entry, ...]]:
    elf, (entry, segments, symbols, phdr, phent, phnum), syscalls, table_module, ia32 = frozen
    image = Image(entry, tuple(Segment(*s) for s in segments), symbols, phdr, phent, phnum)
    return elf, image, _syscalls(syscalls), table_module, _ia32_entries(ia32)


# The 853 records of a cached kernel are set field by field through their slots, as their __init__ sets
# them, without the call: through __init__ (six object.__setattr__ lookups and calls each) they took
# 0.4 ms of every start, twice what this takes. Both __init__s set their fields and do nothing else.
def _syscalls(rows: tuple[tuple[int, str, str, bool], ...]) -> tuple[Syscall, ...]:
    new, cls = object.__new__, Syscall
    s0, s1, s2, s3 = (getattr(cls, name).__set__ for name in cls._fields)
    made = []
    for number, name, entry_point, noreturn in rows:
        record = new(cls)
        s0(record, number), s1(record, name), s2(record, entry_point), s3(record, noreturn)
        made.append(record)
    return tuple(made)


def _ia32_entries(rows: tuple[tuple[int, str, str, str, str | None, bool], ...]) -> tuple[Ia32Entry, ...]:
    new, cls = object.__new__, Ia32Entry
    s0, s1, s2, s3, s4, s5 = (getattr(cls, name).__set__ for name in cls._fields)
    made = []
    for number, name, entry_point, symbol, prototype, noreturn in rows:
        record = new(cls)
        s0(record, number), s1(record, name), s2(record, entry_point), s3(record, symbol)
        s4(record, prototype), s5(record, noreturn)
        made.append(record)
    return tuple(made)


def _build_kernel(
    target: X86_64Target, implemented: Iterable[str], syscall_mask: Sequence[str], trace_all: bool
) -> tuple[Kernel, Path]:
    from syscalltbl.generators.x86_64.kernel import render_kernel, select_64, select_ia32
    from syscalltbl.machine.image.elfimage import read_image
    from syscalltbl.machine.image.toolchain import build_elf, publish_text
    from syscalltbl.tables.read import parse_table

    syscalls = select_64(parse_table(target.table))
    ia32 = select_ia32(parse_table(target.table_32))
    source = _shown(target.table, TABLE)
    if trace_all:
        implemented = {s.entry_point for s in syscalls} | {s.entry_point for s in ia32}
    sources = render_kernel(
        syscalls, implemented, source=source, syscall_mask=syscall_mask, ia32=ia32,
        ia32_source=_shown(target.table_32, TABLE_32),
    )  # fmt: skip
    elf = build_elf(sources, linker_script="kernel.lds", name="vmlinux")
    table_module = publish_text("sys_call_table_64.py", sys_call_table_text(syscalls, target.prototypes, source))
    table = _load_module(table_module).sys_call_table
    return Kernel(elf, read_image(elf), tuple(syscalls), table, ia32_entries(ia32)), table_module


def sys_call_table_text(syscalls: Sequence[Syscall], prototypes: Path, source: str) -> str:
    """The Python sys_call_table module for `syscalls`, as generated."""
    from syscalltbl.generators.x86_64.pylib import render_sys_call_table

    return render_sys_call_table(
        syscalls, load_prototypes(prototypes), abis=ABIS, source=source, protos=PROTOTYPES.as_posix()
    )


@cache
def _load_module(path: Path) -> types.ModuleType:
    """The generated table as a module, imported from its file in the cache (named after its directory,
    which is named after its contents)."""
    name = "syscalltbl_sys_call_table_64_" + path.parent.name.replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the generated table {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_prototypes(header: Path) -> dict[str, Prototype]:
    """Entry point (sys_read) -> prototype, from a prototype header (a target's `prototypes`), as it reads now:
    a project's header changes under a running process (`add-syscall`)."""
    try:
        data = read_bounded(header, header=True)
    except OSError as error:
        raise SyscalltblError(f"cannot read: {error.strerror}", path=str(header)) from None
    return _parse_prototypes(str(header), data)


@cache
def _parse_prototypes(header: str, data: bytes) -> dict[str, Prototype]:
    return {p.name: p for p in load_prototype_file(data, header).prototypes}


def build_user_library(target: X86_64Target | None = None) -> Path:
    """The directory holding syscall.h, crt0.o and libsyscall.a for `target` (default: the shipped tables)."""
    from syscalltbl.generators.x86_64.kernel import select_64
    from syscalltbl.generators.x86_64.userlib import render_userlib
    from syscalltbl.machine.image.toolchain import build_userlib
    from syscalltbl.tables.read import parse_table

    target = target or default()
    syscalls = select_64(parse_table(target.table))
    sources = render_userlib(
        syscalls, load_prototypes(target.prototypes), source=_shown(target.table, TABLE), protos=PROTOTYPES.as_posix()
    )
    return build_userlib(sources)
