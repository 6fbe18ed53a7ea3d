"""Render the x86-64 kernel image's sources from a syscall table.

Input is the table's `common` and `64` entries as (number, name, entry point),
and syscall_32.tbl's `i386` entries for the int $0x80 path; output is a set of
GNU assembler files plus a linker script, keyed by file name, ready for `as`
and `ld`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64 import abi
from syscalltbl.store.record import Frozen
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.limits import DOCS, MACHINE_SLOT_LIMIT

if TYPE_CHECKING:  # the machine imports this module for Syscall at every start, and never needs the model's classes
    from syscalltbl.tables.model import Entry, Table

GENERATOR = "generators/x86_64/kernel.py"
ABIS = ("common", "64")
IA32_ABI = "i386"
NI_SYSCALL = "sys_ni_syscall"


class Syscall(Frozen):
    number: int
    name: str
    entry_point: str  # as in the table: sys_read; the asm symbol is __x64_sys_read
    noreturn: bool

    __slots__ = _fields = ("number", "name", "entry_point", "noreturn")

    def __init__(self, number: int, name: str, entry_point: str, noreturn: bool = False) -> None:
        object.__setattr__(self, "number", number)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "entry_point", entry_point)
        object.__setattr__(self, "noreturn", noreturn)


def select_64(table: Table, abis: Sequence[str] = ABIS) -> list[Syscall]:
    """The entries the 64-bit system-call path dispatches (or `abis`'), in file order."""
    return [
        Syscall(e.number, e.name, e.entry_point if e.entry_point not in (None, "-") else NI_SYSCALL, e.noreturn)
        for e in table.entries
        if e.abi in abis and within_machine(e)
    ]


def within_machine(entry: Entry) -> bool:
    """True, or an error at the entry: the machine's tables are dense, so a number costs that many slots."""
    if entry.number >= MACHINE_SLOT_LIMIT:
        raise SyscalltblError(
            f"syscall number {entry.number} too large for the emulated machine: its tables hold "
            f"{MACHINE_SLOT_LIMIT} slots (0 to {MACHINE_SLOT_LIMIT - 1}), {DOCS}",
            entry.location,
        )
    return True


def select_ia32(table: Table) -> list[Syscall]:
    """The entries int $0x80 dispatches on an x86-64 kernel (IA32_EMULATION), in file order.

    Such a kernel builds ia32_sys_call_table from the compat column where
    there is one (arch/x86/entry/syscall_32.c), so `open` is compat_sys_open
    there, not the 64-bit sys_open.
    """
    selected = []
    for e in table.entries:
        if e.abi != IA32_ABI or not within_machine(e):
            continue
        entry = e.compat_entry_point if e.compat_entry_point not in (None, "-") else e.entry_point
        selected.append(Syscall(e.number, e.name, entry if entry not in (None, "-") else NI_SYSCALL, e.noreturn))
    return selected


def ia32_symbol(entry_point: str) -> str:
    # SYSCALL_DEFINE's wrapper for the ia32 ABI: __ia32_sys_foo reads ebx, ecx, ...
    return "__ia32_" + entry_point


def x64_symbol(entry_point: str) -> str:
    # The kernel's SYSCALL_DEFINE wraps sys_foo in __x64_sys_foo(const struct pt_regs *).
    return "__x64_" + entry_point


def nr_syscalls(syscalls: Sequence[Syscall]) -> int:
    return max((s.number for s in syscalls), default=-1) + 1


def dense(syscalls: Sequence[Syscall]) -> list[Syscall | None]:
    """The table as the kernel lays it out: index nr holds the first line numbered nr, None a hole.

    The one place the holes are found, for every shape of the table: the
    assembly sys_call_table, the Python one, ia32_sys_call_table and the
    tracer's view of it.
    """
    table: list[Syscall | None] = [None] * nr_syscalls(syscalls)
    for s in reversed(syscalls):  # the first line for a number wins
        table[s.number] = s
    return table


def render_kernel(
    syscalls: Sequence[Syscall],
    implemented: Iterable[str],
    *,
    source: str,
    syscall_mask: Sequence[str] = abi.LINUX_SYSCALL_MASK,
    ia32: Sequence[Syscall] = (),
    ia32_source: str = "",
) -> dict[str, str]:
    """All sources of the kernel image.

    `implemented` names the entry points (sys_getpid, ...) the runtime
    implements in Python; every other entry is an alias of sys_ni_syscall.
    `syscall_mask` lists the X86_EFLAGS_* names syscall_init masks on entry.
    `ia32` is select_ia32() of syscall_32.tbl (`ia32_source`): without it
    every int $0x80 answers -ENOSYS.
    """
    # Jinja2's environment is imported by a build, not by a machine that reads the kernel from the cache.
    from syscalltbl.generators.jinja_env import render

    done = set(implemented)
    unknown = sorted(set(syscall_mask) - abi.X86_EFLAGS.keys())
    if unknown:
        raise ValueError(f"unknown rflags bits in syscall mask: {', '.join(unknown)}")
    common = {"generator": GENERATOR, "source": source}
    return {
        "asm-offsets.inc": render(
            "x86_64/asm-offsets.inc.j2", offsets=sorted(abi.asm_offsets().items()), **common
        ),
        "entry_64.S": render("x86_64/entry_64.S.j2", **common),
        "syscall_64.S": render_syscall_64(syscalls, done, common),
        "entry_64_compat.S": render("x86_64/entry_64_compat.S.j2", **common),
        "syscall_32.S": render_syscall_32(ia32, done, {"generator": GENERATOR, "source": ia32_source or source}),
        "common.S": render(
            "x86_64/common.S.j2", syscall_mask="(" + "|".join(syscall_mask) + ")", **common
        ),
        "gate.S": render("x86_64/gate.S.j2", **common),
        "percpu.S": render("x86_64/percpu.S.j2", **common),
        "kernel.lds": render(
            "x86_64/kernel.lds.j2", kernel_text=abi.KERNEL_TEXT, gate_page=abi.GATE_PAGE, **common
        ),
    }


def render_syscall_64(syscalls: Sequence[Syscall], implemented: set[str], common: Mapping[str, str]) -> str:
    return _render_table("x86_64/syscall_64.S.j2", x64_symbol, syscalls, implemented, common)


def render_syscall_32(syscalls: Sequence[Syscall], implemented: set[str], common: Mapping[str, str]) -> str:
    """ia32_sys_call_table: render_syscall_64's layout with the __ia32_ symbols."""
    return _render_table("x86_64/syscall_32.S.j2", ia32_symbol, syscalls, implemented, common)


def _render_table(
    template: str,
    symbol: Callable[[str], str],
    syscalls: Sequence[Syscall],
    implemented: set[str],
    common: Mapping[str, str],
) -> str:
    from syscalltbl.generators.jinja_env import render

    table = [
        (symbol(NI_SYSCALL), str(number)) if entry is None else (symbol(entry.entry_point), f"{number} {entry.name}")
        for number, entry in enumerate(dense(syscalls))
    ]
    # Table order, each entry point once (the kernel's table may repeat one).
    entry_points = [e for e in dict.fromkeys(s.entry_point for s in syscalls) if e != NI_SYSCALL]
    return render(
        template,
        nr_syscalls=len(table),
        table=table,
        python_stubs=[symbol(e) for e in entry_points if e in implemented],
        ni_aliases=[symbol(e) for e in entry_points if e not in implemented],
        **common,
    )


def render_unistd_64(syscalls: Sequence[Syscall], *, source: str) -> str:
    """`.set __NR_name, number` for user programs written in assembly."""
    from syscalltbl.generators.jinja_env import render

    numbers = [(s.name, s.number) for s in syscalls]
    return render("x86_64/unistd_64.inc.j2", numbers=numbers, generator=GENERATOR, source=source)
