"""Rules about how a table is written: line syntax, line endings, layout, order."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator

from syscalltbl.lint.findings import Finding
from syscalltbl.lint.graph import LintGraph
from syscalltbl.lint.rulebase import rule
from syscalltbl.tables.model import Entry, Location

TAB_WIDTH = 8
#: A file "aligns field k on tab stops" when at least this share of its lines do.
ALIGNED_SHARE = 0.9


@rule(
    "TBL001",
    "error",
    "malformed line",
    """A line that is not `<number> <abi> <name> [<entry point> [<compat entry point> [noreturn]]]`
    (too few or too many columns, a number with leading zeros or letters, an indented line,
    invalid UTF-8). The kernel's shell scripts read such a line anyway and print whatever
    their `read` makes of it, so the error only shows up, if at all, when the generated C
    fails to compile.""",
)
def malformed(lg: LintGraph) -> Iterator[Finding]:
    for source in lg.inputs.sources.values():
        for problem in source.problems:
            if problem.kind == "malformed":
                yield malformed.finding(problem.location, problem.message)


@rule(
    "TBL002",
    "error",
    "CRLF line endings",
    """The scripts split lines on LF only, so with CRLF endings the carriage return becomes part
    of the last column: `sys_read\\r` in a generated header. Tables are LF-only text.""",
)
def crlf(lg: LintGraph) -> Iterator[Finding]:
    for source in lg.inputs.sources.values():
        for problem in source.problems:
            if problem.kind == "crlf":
                yield crlf.finding(problem.location, problem.message)


@rule(
    "TBL003",
    "warning",
    "trailing whitespace",
    """Blanks at the end of a line change nothing the scripts generate, but they are noise in
    diffs, and checkpatch.pl rejects patches that add them.""",
)
def trailing_whitespace(lg: LintGraph) -> Iterator[Finding]:
    for source in lg.inputs.sources.values():
        for number, line in enumerate(source.lines, start=1):
            text = line.removesuffix("\r")
            stripped = text.rstrip(" \t")
            if stripped != text:
                where = Location(source.file, number, len(stripped) + 1)
                yield trailing_whitespace.finding(where, "trailing whitespace")


def display_columns(text: str) -> list[int]:
    """0-based display column, tabs expanded to 8, where each field of `text` starts."""
    columns: list[int] = []
    column = 0
    in_blank = True
    for char in text:
        if char in " \t":
            in_blank = True
            column = (column // TAB_WIDTH + 1) * TAB_WIDTH if char == "\t" else column + 1
            continue
        if in_blank:
            columns.append(column)
        in_blank = False
        column += 1
    return columns


@rule(
    "TBL004",
    "warning",
    "column layout unlike the rest of the file",
    """Tables are read by people as often as by scripts, and each file aligns its columns in
    its own way (most on tab stops, s390 with spaces after the number). A field that starts
    off the tab stops where nearly every other line of the file (90%) starts that field was
    usually typed with spaces in a tab-aligned file; the entry is harder to find and the
    next patch copies the misalignment.""",
)
def column_layout(lg: LintGraph) -> Iterator[Finding]:
    for _path, table in lg.tables():
        rows = [(e, display_columns(e.text.removesuffix("\r"))) for e in table.entries]
        on_stop: Counter[int] = Counter()
        seen: Counter[int] = Counter()
        for _, columns in rows:
            for k, column in enumerate(columns[1:], start=1):
                seen[k] += 1
                on_stop[k] += column % TAB_WIDTH == 0
        aligned = {k for k in seen if on_stop[k] >= ALIGNED_SHARE * seen[k]}
        for entry, columns in rows:
            for k, column in enumerate(columns[1:], start=1):
                if k in aligned and column % TAB_WIDTH:
                    where = Location(entry.location.file, entry.location.line, entry.columns[k])
                    yield column_layout.finding(
                        where,
                        f"field {k + 1} starts at display column {column + 1}, off the tab stops where "
                        f"{on_stop[k]} of {seen[k]} lines of this file start it",
                    )
                    break


@rule(
    "TBL005",
    "warning",
    "numbers out of order",
    """Tables list their entries by ascending number, as each output sees them: the generic
    table keeps one ascending block per architecture-private ABI (244-259), so order is
    checked among the lines one output selects (the whole file when no output reads it).
    An entry below its predecessor is usually a patch applied in the wrong place; the
    scripts sort, so nothing breaks, but readers looking for a free number are misled.""",
)
def out_of_order(lg: LintGraph) -> Iterator[Finding]:
    seen: set[Location] = set()
    views: list[list[Entry]] = []
    for node, sel in lg.outputs():
        if sel.lists_entries:
            views.append(list(lg.selected(node)))
    for path, table in lg.tables():
        if not lg.outputs_reading(path):
            views.append(list(table.entries))
    for entries in views:
        for previous, entry in itertools.pairwise(entries):
            if entry.number < previous.number and entry.location not in seen:
                seen.add(entry.location)
                yield out_of_order.finding(
                    entry.location,
                    f"number {entry.number} ({entry.name}) comes after {previous.number} "
                    f"({previous.name}, line {previous.location.line}): tables are in ascending order",
                )


@rule(
    "TBL006",
    "note",
    "table read by no output",
    """A table that no generator invocation reads generates nothing: either it is not wired
    into the build (or into tables.toml), or the linter was not told which ABIs it feeds
    (use --abis for single files). Checks that depend on outputs skip it.""",
)
def unread_table(lg: LintGraph) -> Iterator[Finding]:
    for path, table in lg.tables():
        if not lg.outputs_reading(path) and table.entries:
            first = table.entries[0].location
            yield unread_table.finding(
                Location(first.file, 1, 1), f"no output reads {path}: ABI and duplicate checks skip it"
            )
