"""scripts/syscalltbl.sh: the `__SYSCALL(nr, entry)` table, holes filled."""

from __future__ import annotations

from syscalltbl.generators.jinja_env import View, render_view
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.limits import shortened
from syscalltbl.tables.model import Entry, Table

NI_SYSCALL = "sys_ni_syscall"


def line(entry: Entry) -> str:
    """An entry's line: the script's choice of macro by its compat and noreturn columns."""
    native = entry.entry_point or NI_SYSCALL
    compat = entry.compat_entry_point
    if compat == "-":
        compat = None
    if entry.noreturn:
        if compat:
            return f"__SYSCALL_COMPAT_NORETURN({entry.number}, {native}, {compat})"
        return f"__SYSCALL_NORETURN({entry.number}, {native})"
    if compat:
        return f"__SYSCALL_WITH_COMPAT({entry.number}, {native}, {compat})"
    return f"__SYSCALL({entry.number}, {native})"


def lines(table: Table, abis: tuple[str, ...] | None) -> list[str]:
    """One line for every number from 0 to the last selected one, holes included; numbers must
    ascend. Strings made here, not in the template: a build makes tens of thousands, and Jinja2's
    loop over tuples with a choice of four macros took several times as long."""
    result: list[str] = []
    for entry in table.entries:
        if abis is not None and not entry.abi.startswith(abis):  # abi.select, inlined: once per entry per output
            continue
        number = entry.number
        if number < len(result):
            raise SyscalltblError(
                f"syscall table is not sorted or duplicates the same syscall number: "
                f"{number} follows {len(result) - 1} in `{shortened(entry.text)}`",
                entry.location,
            )
        if number > len(result):
            result.extend(f"__SYSCALL({n}, {NI_SYSCALL})" for n in range(len(result), number))
        result.append(line(entry))
    return result


def view(table: Table, abis: tuple[str, ...] | None) -> View:
    return View("kernel/syscalltbl.h.j2", {"lines": lines(table, abis)})


def generate(table: Table, abis: tuple[str, ...] | None) -> str:
    return render_view(view(table, abis))
