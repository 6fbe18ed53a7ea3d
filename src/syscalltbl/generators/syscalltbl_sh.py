"""scripts/syscalltbl.sh: the `__SYSCALL(nr, entry)` table, holes filled."""

from __future__ import annotations

from typing import NamedTuple

from syscalltbl.generators.jinja_env import View, render_view
from syscalltbl.tables.abi import select
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.limits import shortened
from syscalltbl.tables.model import Table

NI_SYSCALL = "sys_ni_syscall"


class Slot(NamedTuple):
    """One line of the table. A tuple, not a frozen dataclass: a build makes tens of thousands,
    and a tuple is made four times faster."""

    number: int
    native: str
    compat: str | None
    noreturn: bool


def slots(table: Table, abis: tuple[str, ...] | None) -> list[Slot]:
    """Every number from 0 to the last selected one; numbers must ascend."""
    result: list[Slot] = []
    for entry in select(table.entries, abis):
        if entry.number < len(result):
            raise SyscalltblError(
                f"syscall table is not sorted or duplicates the same syscall number: "
                f"{entry.number} follows {len(result) - 1} in `{shortened(entry.text)}`",
                entry.location,
            )
        result.extend(Slot(n, NI_SYSCALL, None, False) for n in range(len(result), entry.number))
        compat = None if entry.compat_entry_point == "-" else entry.compat_entry_point
        result.append(Slot(entry.number, entry.entry_point or NI_SYSCALL, compat, entry.noreturn))
    return result


def view(table: Table, abis: tuple[str, ...] | None) -> View:
    return View("kernel/syscalltbl.h.j2", {"slots": slots(table, abis)})


def generate(table: Table, abis: tuple[str, ...] | None) -> str:
    return render_view(view(table, abis))
