"""Finding syscalls by what a user types: a name, an entry point, or a number.

The one lookup behind `syscalltbl show` and `syscalltbl.api`. It reads rows
shaped like the matrix's (syscall name -> one cell per column, None where the
column has none) and asks each cell only its number and its entry points, so
the API's compact cached rows and the matrix's Entry objects are found alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Cell = TypeVar("Cell")


@dataclass(frozen=True, slots=True)
class Found(Generic[Cell]):
    """The cells a query names, as (syscall name, column, cell) sorted by column then name."""

    cells: tuple[tuple[str, int, Cell], ...]
    #: Why nothing was found ("" when something was).
    problem: str


def parse_number(text: str) -> int | None:
    """A decimal or 0x... number, or None for a name."""
    try:
        return int(text, 0)
    except ValueError:
        return None


def find(
    rows: Mapping[str, Sequence[Cell | None]],
    query: str | int,
    columns: Sequence[int],
    *,
    bases: Sequence[int],
    labels: Sequence[str],
    number: Callable[[Cell], int],
    symbols: Callable[[Cell], tuple[str | None, str | None]],
) -> Found[Cell]:
    """The cells `query` names within `columns`.

    A number matches a cell's table number or its absolute number (plus the column's base from
    `bases`); a name is a syscall name, else an entry point (native or compat) of any syscall.
    `labels` name the columns in messages.
    """
    wanted = int(query) if isinstance(query, int) else parse_number(query)
    if wanted is not None:
        hits = [
            (name, index, cell)
            for name, cells in rows.items()
            for index in columns
            if (cell := cells[index]) is not None and wanted in (number(cell), bases[index] + number(cell))
        ]
        return _sorted(hits, f"no syscall has number {query} on {_where(columns, labels)}")
    text = str(query)
    names = [text] if text in rows else []
    if not names:
        # An entry point: every syscall whose entry or compat entry is that symbol.
        names = sorted(
            name
            for name, cells in rows.items()
            if any(cell is not None and text in symbols(cell) for cell in cells)
        )
    if not names:
        import difflib

        close = difflib.get_close_matches(text, list(rows), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        return Found((), f"unknown syscall {text!r}{hint}")
    hits = [(name, index, cell) for name in names for index in columns if (cell := rows[name][index]) is not None]
    return _sorted(hits, f"{text} is not a syscall of {_where(columns, labels)}")


def _sorted(hits: list[tuple[str, int, Cell]], problem: str) -> Found[Cell]:
    ordered = tuple(sorted(hits, key=lambda hit: (hit[1], hit[0])))
    return Found(ordered, "" if ordered else problem)


def _where(columns: Sequence[int], labels: Sequence[str]) -> str:
    if len(columns) == len(labels):
        return "any architecture"
    return ", ".join(labels[i] for i in columns)
