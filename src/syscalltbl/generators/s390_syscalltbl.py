"""arch/s390/kernel/syscalls/syscalltbl: its -H, -S and -N outputs.

The script sorts with `sort -k1 -n` (ties broken by comparing whole lines
bytewise, as the kernel build runs with LC_COLLATE=C) and passes values
through unquoted shell words; both shape its output and are copied here.
"""

from __future__ import annotations

from dataclasses import dataclass

from syscalltbl.generators.guards import normalize
from syscalltbl.generators.jinja_env import View, render_view
from syscalltbl.tables.abi import select
from syscalltbl.tables.model import Entry, Table

NI_SYSCALL = "sys_ni_syscall"


@dataclass(frozen=True, slots=True)
class Define:
    name: str
    number: int


@dataclass(frozen=True, slots=True)
class Row:
    entry64: str
    entry32: str


def sorted_entries(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.number, e.text.encode()))


def header(table: Table, abis: tuple[str, ...], file_name: str) -> str:
    return render_view(header_view(table, abis, file_name))


def header_view(table: Table, abis: tuple[str, ...], file_name: str) -> View:
    """-H: `file_name` is what `-f` gave, reduced by ${OPTARG##*/}."""
    if file_name:
        guard = normalize("__UAPI_ASM_S390_" + file_name)
    else:
        regex = "(" + "|".join(abis) + ")"
        suffix = "64" if "64" in regex else "32" if "32" in regex else ""
        guard = normalize("__UAPI_ASM_S390_SYSCALLS_" + suffix)
    defines = [Define(e.name, e.number) for e in sorted_entries(list(select(table.entries, abis)))]
    return View("kernel/s390-unistd.h.j2", {"guard": guard, "defines": defines})


def _merged(entries: list[Entry]) -> list[tuple[int, str, str]]:
    """One (nr, 64-bit, 31-bit) per number; a later `32`/`64` line overrides its half."""
    rows: list[tuple[int, str, str]] = []
    nr, e64, e32 = 0, NI_SYSCALL, NI_SYSCALL
    for entry in sorted_entries(entries):
        new64 = entry.entry_point or ""
        new32 = entry.compat_entry_point or ""
        new64 = NI_SYSCALL if new64 == "-" else new64
        new32 = NI_SYSCALL if new32 == "-" else new32
        if entry.number == nr:
            if entry.abi == "32":
                e32 = new32
            elif entry.abi == "64":
                e64 = new64
            continue
        rows.append((nr, e64, e32))
        nr, e64, e32 = entry.number, new64, new32
    rows.append((nr, e64, e32))
    return rows


def table_rows(table: Table) -> list[Row | None]:
    """-S: None for NI_SYSCALL lines."""
    result: list[Row | None] = []
    for nr, e64, e32 in _merged(list(table.entries)):
        # printf "%d\t%s\t%s\n" with unquoted words drops empty ones, so a
        # missing 64-bit entry lets the 31-bit one slide into its column.
        words = [w for w in (e64, e32) if w] + ["", ""]
        e64, e32 = words[0], words[1]
        result.extend(None for _ in range(len(result), nr))
        if e64 == NI_SYSCALL and e32 == NI_SYSCALL:
            result.append(None)
        else:
            result.append(Row(e64, e32))
    return result


def syscall_table(table: Table) -> str:
    return render_view(syscall_table_view(table))


def syscall_table_view(table: Table) -> View:
    return View("kernel/s390-syscall_table.h.j2", {"rows": table_rows(table)})


def syscall_count(table: Table, abis: tuple[str, ...]) -> str:
    return render_view(syscall_count_view(table, abis))


def syscall_count_view(table: Table, abis: tuple[str, ...]) -> View:
    """-N: one more than the highest selected number."""
    numbers = [e.number for e in select(table.entries, abis)]
    return View("kernel/s390-unistd_nr.h.j2", {"count": max(numbers, default=0) + 1})
