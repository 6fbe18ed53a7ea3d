"""Read a table leniently: every bad line becomes a LineProblem, the rest is modelled.

`syscalltbl build` stops at the first bad line, as it must. A linter should
instead name every bad line in one run and still check the good ones, so a
table that fails the strict parse is read again line by line: lines that do
not parse on their own are reported and blanked (which keeps every other
line's number), and the remainder is parsed as a whole.
"""

from __future__ import annotations

from syscalltbl.lint.inputs import LineProblem, TableSource
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.limits import PROBLEMS_LIMIT, check_size
from syscalltbl.tables.model import Location, Table
from syscalltbl.tables.read import load_table
from syscalltbl.tables.tblparse import decode, parse_text


def read_table(data: bytes, shown: str) -> tuple[Table, TableSource]:
    """The table in `data` (its good lines) and its source; `shown` names the file in locations."""
    check_size(len(data), shown)  # the lenient reading must not take longer than the strict one
    problems: list[LineProblem] = []
    try:
        text = decode(data, shown)
    except SyscalltblError as exc:
        assert exc.location is not None
        problems.append(LineProblem(exc.message, exc.location))
        text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's last LF ends a line, it does not start one
    if not problems and "\r" not in text:
        try:
            # The strict parser, through the same cache `build` uses.
            return load_table(data, shown), TableSource(shown, tuple(lines))
        except SyscalltblError:
            pass
    problems.extend(_crlf(lines, shown))
    cleaned = [line.removesuffix("\r") for line in lines]
    malformed = 0
    for index, line in enumerate(cleaned):
        if malformed == PROBLEMS_LIMIT:
            problems.append(_gave_up(shown, index + 1))
            cleaned[index:] = [""] * (len(cleaned) - index)
            break
        problem = _line_problem(line, shown, index + 1)
        if problem is not None:
            problems.append(problem)
            cleaned[index] = ""
            malformed += 1
    table = parse_text("\n".join(cleaned) + "\n", shown)
    # Entry.text must be the line as written (s390 sorts by it), CR and all.
    return table, TableSource(shown, tuple(lines), tuple(problems))


def _gave_up(shown: str, line: int) -> LineProblem:
    # Each malformed line costs a parse of its own: past the limit the file is
    # not worth reading on, and reading on could take minutes (docs/limits.md).
    message = (
        f"{PROBLEMS_LIMIT} malformed lines already: the rest of the file, from here, is not read "
        "(see docs/limits.md)"
    )
    return LineProblem(message, Location(shown, line, 1))


def _crlf(lines: list[str], shown: str) -> list[LineProblem]:
    """One problem per file, at its first CRLF line: one cause, one fix."""
    ending = [i for i, line in enumerate(lines) if line.endswith("\r")]
    if not ending:
        return []
    first = ending[0]
    count = len(ending)
    message = (
        f"{count} line{'s' * (count != 1)} end{'s' * (count == 1)} in CRLF: the kernel's scripts would keep "
        "the carriage return as part of the last column; convert the file to LF line endings"
    )
    return [LineProblem(message, Location(shown, first + 1, len(lines[first])), kind="crlf")]


def _line_problem(line: str, shown: str, number: int) -> LineProblem | None:
    if not line.strip() or line.startswith("#"):
        return None
    try:
        parse_text(line + "\n", shown)
    except SyscalltblError as exc:
        column = exc.location.column if exc.location is not None else 1
        return LineProblem(exc.message, Location(shown, number, column))
    return None
