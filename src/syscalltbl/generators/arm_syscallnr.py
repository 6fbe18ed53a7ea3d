"""arch/arm/tools/syscallnr.sh: `__NR_syscalls`, rounded up for the table's alignment."""

from __future__ import annotations

from syscalltbl.generators.guards import guard
from syscalltbl.generators.jinja_env import View, render_view
from syscalltbl.tables.model import Table


def table_size(last_number: int) -> tuple[int, int]:
    """(size, alignment): 4x coarser alignment each time the size passes 256*align."""
    size = last_number + 1
    align = 1
    while size // (256 * align) > 0:
        align *= 4
    return (size + align - 1) & ~(align - 1), align


def view(table: Table, output_path: str) -> View:
    size: int | None = None
    align = 1
    if table.entries:
        size, align = table_size(max(e.number for e in table.entries))
    return View("kernel/arm-syscallnr.h.j2", {"guard": guard("_ASM_ARM_", output_path), "size": size, "align": align})


def generate(table: Table, output_path: str) -> str:
    return render_view(view(table, output_path))
