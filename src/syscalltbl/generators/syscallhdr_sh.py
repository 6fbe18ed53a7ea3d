"""scripts/syscallhdr.sh: `#define __NR_name nr` for each selected entry."""

from __future__ import annotations

from syscalltbl.generators.guards import guard
from syscalltbl.generators.jinja_env import View, render_view
from syscalltbl.tables.abi import select
from syscalltbl.tables.model import Table


def view(
    table: Table,
    abis: tuple[str, ...] | None,
    output_path: str,
    *,
    emit_nr: bool = False,
    offset: str = "",
    prefix: str = "",
) -> View:
    entries = list(select(table.entries, abis))
    # Each `#define`'s name and value as one string, made here rather than by the template's loop:
    # a build makes thousands.
    if offset:
        defines = [f"__NR_{prefix}{e.name} ({offset} + {e.number})" for e in entries]
    else:
        defines = [f"__NR_{prefix}{e.name} {e.number}" for e in entries]
    # The script keeps the number of the *last line* it read, sorted or not.
    syscalls = (entries[-1].number + 1 if entries else 1) if emit_nr else None
    return View(
        "kernel/syscallhdr.h.j2",
        {"guard": guard("_UAPI_ASM_", output_path), "defines": defines, "prefix": prefix, "syscalls": syscalls},
    )


def generate(
    table: Table,
    abis: tuple[str, ...] | None,
    output_path: str,
    *,
    emit_nr: bool = False,
    offset: str = "",
    prefix: str = "",
) -> str:
    return render_view(view(table, abis, output_path, emit_nr=emit_nr, offset=offset, prefix=prefix))
