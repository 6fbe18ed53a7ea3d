"""The model of a syscall table: frozen dataclasses built by the parser.

Every object carries its source location so that any later stage (generators,
lint rules, the runtime) can point a user at the exact line it came from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A 1-based position in a source file."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One line `<number> <abi> <name> [<entry> [<compat> [noreturn]]]`.

    Columns are kept exactly as written: the kernel's generators disagree on
    what `-` means (syscalltbl.sh drops a `-` compat entry but prints a `-`
    native one; the s390 script maps both to sys_ni_syscall), so each renderer
    interprets them itself.
    """

    number: int
    abi: str
    name: str
    entry_point: str | None
    compat_entry_point: str | None
    noreturn: bool
    location: Location
    #: 1-based start column of every field on the line, in order.
    columns: tuple[int, ...]
    #: The whole line as written, without its LF: s390's generator breaks ties
    #: between equal numbers by comparing whole lines.
    text: str


@dataclass(frozen=True, slots=True)
class Comment:
    """A `#` comment line; tables document reserved ranges in these."""

    text: str
    location: Location


@dataclass(frozen=True, slots=True)
class Table:
    """A parsed `.tbl` file: its entries and comments in file order."""

    path: str
    entries: tuple[Entry, ...]
    comments: tuple[Comment, ...]

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Pickled as plain tuples: unpickling thousands of slotted frozen
        # dataclasses field by field is several times slower than rebuilding.
        rows = tuple(
            (e.number, e.abi, e.name, e.entry_point, e.compat_entry_point, e.noreturn,
             e.location.line, e.location.column, e.columns, e.text)
            for e in self.entries
        )
        notes = tuple((c.text, c.location.line, c.location.column) for c in self.comments)
        return (_table_from_rows, (self.path, rows, notes))


def _table_from_rows(
    path: str,
    rows: tuple[tuple[int, str, str, str | None, str | None, bool, int, int, tuple[int, ...], str], ...],
    notes: tuple[tuple[str, int, int], ...],
) -> Table:
    entries = tuple(
        Entry(number, abi, name, entry, compat, noreturn, Location(path, line, column), columns, text)
        for number, abi, name, entry, compat, noreturn, line, column, columns, text in rows
    )
    comments = tuple(Comment(text, Location(path, line, column)) for text, line, column in notes)
    return Table(path, entries, comments)
