"""What the API hands out: small frozen dataclasses, each a plain value with no link back to the tables."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Abi:
    """One architecture/ABI: the entries one architecture's headers select from one table."""

    #: The architecture, as the kernel's arch/ directory names it: `x86`, `mips`, `alpha`.
    arch: str
    #: The ABI's name within its architecture: `64`, `x32`, `o32`; the architecture for one with one ABI.
    name: str
    #: What `show` and `export` call it: `x86/x32`, or `alpha` for an architecture with one ABI.
    label: str
    #: Kernel path of the table it selects from.
    table: str
    #: The ABI column values selected (`("common", "64")`); None selects every line.
    selects: tuple[str, ...] | None
    #: Added to a table number to give the number userspace passes (x32: 0x40000000, mips o32: 4000).
    base: int
    #: The C macro holding the base (`__X32_SYSCALL_BIT`), or "".
    base_macro: str
    #: The generated files listing this ABI's syscalls.
    outputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Syscall:
    """One syscall on one architecture/ABI: one line of a table, as that ABI selects it."""

    name: str
    #: The Abi's label: `x86/64`.
    abi: str
    arch: str
    #: The number the table lists.
    number: int
    #: The number userspace passes: `number` plus the ABI's base.
    absolute: int
    #: The table line's ABI column: `common`, `64`, `x32`, `i386`.
    table_abi: str
    #: The native entry point (`sys_getpid`), or None when the line has none.
    entry_point: str | None
    #: The compat entry point, or None.
    compat_entry_point: str | None
    noreturn: bool
    #: The table file and line this comes from.
    file: str
    line: int

    @property
    def source(self) -> str:
        """`arch/x86/entry/syscalls/syscall_64.tbl:51`."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One lint finding: a rule, how bad it is, and where."""

    rule: str
    #: `error`, `warning` or `note`.
    severity: str
    message: str
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.rule}]"
