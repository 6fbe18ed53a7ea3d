"""arch/mips/kernel/syscalls/syscallnr.sh: `__NR_<PREFIX>_Linux_syscalls`."""

from __future__ import annotations

from syscalltbl.generators.guards import guard
from syscalltbl.generators.jinja_env import View, render_view
from syscalltbl.tables.abi import select
from syscalltbl.tables.model import Table


def view(table: Table, output_path: str, abis: tuple[str, ...] | None, prefix: str) -> View:
    numbers = [e.number for e in select(table.entries, abis)]
    count = max(numbers) + 1 if numbers else 0
    return View(
        "kernel/mips-syscallnr.h.j2",
        {"guard": guard("_UAPI_ASM_MIPS_", output_path), "prefix": prefix, "count": count},
    )


def generate(table: Table, output_path: str, abis: tuple[str, ...] | None, prefix: str) -> str:
    return render_view(view(table, output_path, abis, prefix))
