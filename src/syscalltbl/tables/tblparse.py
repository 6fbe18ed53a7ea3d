"""Parse `.tbl` files with the Lark grammar in grammars/tbl.lark into the model.

The parser only sees text: reading files is tables/read.py's job."""

from __future__ import annotations

from functools import cache

import lark

from syscalltbl.tables import limits, shipped
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.model import Comment, Entry, Location, Table

GRAMMAR = shipped.grammar("tbl.lark")
#: The grammar's LALR tables, serialized by Lark and shipped in the package (ship_parser() writes it).
SHIPPED_TABLES = shipped.grammar("tbl.lark.lalr")

#: How the grammar is made into a parser (the transformer is given at each load).
_OPTIONS: dict[str, object] = {
    "parser": "lalr",
    "lexer": "contextual",
    "start": ["lines", "start"],
    "propagate_positions": False,
    "maybe_placeholders": False,
}


@cache
def _parser() -> tuple[lark.Lark, _ToModel]:
    # The transformer runs inside the LALR parser (no tree is built), which
    # halves parse time; it is told each file's path before each parse.
    # Lark's cache file holds the LALR tables and is checked against a hash
    # of the grammar, so an edited grammar is never served stale; with an
    # empty cache they come from the package's SHIPPED_TABLES, checked the same way.
    from syscalltbl.tables import larkcache

    transformer = _ToModel()
    parser = larkcache.parser(
        GRAMMAR.read_text(encoding="utf-8"), "lark-tbl.cache", SHIPPED_TABLES, transformer=transformer, **_OPTIONS
    )
    return parser, transformer


def ship_parser() -> None:
    """Write SHIPPED_TABLES from the grammar: after editing tbl.lark, or for another Lark version."""
    from syscalltbl.tables import larkcache

    larkcache.ship(GRAMMAR.read_text(encoding="utf-8"), SHIPPED_TABLES, **_OPTIONS)


def shipped_parser_current() -> bool:
    """Whether SHIPPED_TABLES are the grammar's tables for the installed Lark."""
    from syscalltbl.tables import larkcache

    return larkcache.shipped_current(GRAMMAR.read_text(encoding="utf-8"), SHIPPED_TABLES, **_OPTIONS)


class _ToModel(lark.Transformer[lark.Token, Table]):
    """Builds frozen dataclasses; value checks that the grammar leaves open.

    The same checks, in the same order, for a line read whole (`lines`) and
    one read column by column (`start`).
    """

    def __init__(self) -> None:
        super().__init__()
        self._path = ""
        self._text = ""
        self._lines: list[str] | None = None

    def begin(self, path: str, text: str) -> None:
        self._path = path
        self._text = text
        self._lines = None

    def _at(self, line: int, column: int) -> Location:
        return Location(self._path, line, column)

    def _starts_line(self, text: str, line: int, column: int) -> None:
        if column != 1:
            raise SyscalltblError(
                f"indented line: entries and comments must start in column 1, found {text[:1]!r}",
                self._at(line, column),
            )

    def _comment(self, text: str, line: int, column: int) -> Comment:
        self._starts_line(text, line, column)
        return Comment(text, self._at(line, column))

    def _entry(self, fields: list[str], line: int, columns: tuple[int, ...], text: str) -> Entry:
        # Positional arguments and one length: this runs once per entry of every table a cold build reads.
        if columns[0] != 1:
            self._starts_line(fields[0], line, columns[0])
        where = Location(self._path, line, 1)
        number = _decimal(fields[0], where)
        count = len(fields)
        flag = fields[5] if count > 5 else None
        if flag is not None and flag != "noreturn":
            raise SyscalltblError(
                f"invalid string {limits.quoted(flag)} in the noreturn column: expected 'noreturn' or nothing",
                self._at(line, columns[5]),
            )
        return Entry(
            number,
            fields[1],
            fields[2],
            fields[3] if count > 3 else None,
            fields[4] if count > 4 else None,
            flag is not None,
            where,
            columns,
            text,
        )

    # --- `lines`: one token a run of whole lines, each with its LF

    def LINES(self, token: lark.Token) -> list[Entry | Comment]:  # Lark calls a terminal's callback by its name
        items: list[Entry | Comment] = []
        number = token.line or 0
        column = token.column or 0  # of the first line only: the others start the line
        for text in token.split("\n")[:-1]:
            if text:
                if text[0] == "#":
                    items.append(self._comment(text, number, column))
                else:
                    fields = text.split()
                    columns = []
                    offset = 0
                    for field in fields:
                        offset = text.index(field, offset)
                        columns.append(column + offset)
                        offset += len(field)
                    items.append(self._entry(fields, number, tuple(columns), text))
            number += 1
            column = 1
        return items

    def lines(self, runs: list[list[Entry | Comment]]) -> Table:
        return self.start([item for run in runs for item in run])

    # --- `start`: one token a column

    def comment(self, tokens: list[lark.Token]) -> Comment:
        return self._comment(str(tokens[0]), tokens[0].line or 0, tokens[0].column or 0)

    def entry(self, tokens: list[lark.Token]) -> Entry:
        if self._lines is None:
            self._lines = self._text.split("\n")
        line = tokens[0].line or 0
        return self._entry([str(t) for t in tokens], line, tuple(t.column or 0 for t in tokens), self._lines[line - 1])

    def start(self, items: list[Entry | Comment]) -> Table:
        entries = tuple(i for i in items if isinstance(i, Entry))
        comments = tuple(i for i in items if isinstance(i, Comment))
        return Table(path=self._path, entries=entries, comments=comments)


def _decimal(text: str, where: Location) -> int:
    if text.isascii() and text.isdigit() and (text[0] != "0" or len(text) == 1) and len(text) < 7:
        return int(text)  # below 10**6: within SLOT_LIMIT (2**20), so check_number would pass it
    if not text.isdigit() or not text.isascii():
        raise SyscalltblError(f"invalid syscall number {limits.quoted(text)}: expected a decimal number", where)
    if len(text) > 1 and text[0] == "0":
        raise SyscalltblError(
            f"invalid syscall number {limits.quoted(text)}: expected a decimal number without leading zeros", where
        )
    return limits.check_number(text, where)


def decode(data: bytes, path: str) -> str:
    """Strict UTF-8, with the position of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SyscalltblError(
            f"invalid UTF-8 byte 0x{data[exc.start]:02x}: expected UTF-8 text", Location(path, line, column)
        ) from None


_COLUMNS = ("a syscall number", "an ABI name", "a syscall name", "an entry point or '-'",
            "a compat entry point or '-'", "'noreturn'")
_USAGE = "<number> <abi> <name> [<entry point> [<compat entry point> [noreturn]]]"


def _syntax_error(exc: lark.exceptions.UnexpectedInput, path: str, text: str) -> SyscalltblError:
    where = Location(path, exc.line, exc.column)
    offset = exc.pos_in_stream if exc.pos_in_stream is not None else 0
    found = text[offset] if offset < len(text) else "\n"
    if found == "\r":
        return SyscalltblError("carriage return (CRLF line ending): expected LF line endings", where)
    line_start = text.rfind("\n", 0, offset) + 1
    fields_before = len(text[line_start:offset].split())
    if isinstance(exc, lark.exceptions.UnexpectedToken) and exc.token.type != "_NL":
        found = str(exc.token)
    if found == "\n" and fields_before:
        return SyscalltblError(f"too few columns ({fields_before}): expected {_USAGE}", where)
    if fields_before >= len(_COLUMNS) or (fields_before >= 3 and found == "-" and fields_before == 5):
        return SyscalltblError(f"too many columns: unexpected {limits.quoted(found)}, expected end of line", where)
    if fields_before == 0:
        wanted = "a syscall number, a '#' comment or end of line"
    else:
        wanted = _COLUMNS[fields_before] + " or end of line" * (fields_before >= 3)
    shown = "end of line" if found == "\n" else limits.quoted(found)
    return SyscalltblError(f"unexpected {shown}: expected {wanted}", where)


def parser_ready() -> None:
    """Build (or load) the LALR parser now, ahead of the first table."""
    _parser()


def parse_text(text: str, path: str) -> Table:
    """Parse a table's text; `path` is how locations name the file."""
    limits.check_size(len(text), path)
    if not text.endswith("\n"):
        text += "\n"  # grep and read accept a last line without LF, so do we
    parser, transformer = _parser()
    transformer.begin(path, text)
    try:
        table = parser.parse(text, start="lines")
    except (lark.exceptions.UnexpectedInput, SyscalltblError):
        # Read again column by column: the grammar of record says what is wrong, and where.
        transformer.begin(path, text)
        try:
            table = parser.parse(text, start="start")
        except lark.exceptions.UnexpectedInput as exc:
            raise _syntax_error(exc, path, text) from None
    assert isinstance(table, Table)
    return table


def parse_bytes(data: bytes, path: str) -> Table:
    limits.check_size(len(data), path)
    return parse_text(decode(data, path), path)
