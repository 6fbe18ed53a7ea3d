"""Findings as text (like a compiler's diagnostics) and as JSON.

Text: `file:line:col: severity: message [RULE]`, then the source line and a
caret under the column, as gcc and clang print them, so editors and CI log
parsers that understand compiler output jump straight to the line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from syscalltbl.lint.findings import Finding

#: Reads line `n` (1-based) of a file, or None; findings point into tables,
#: headers and tables.toml, so lines are looked up lazily and cached.
LineSource = Callable[[str, int], str | None]


def file_lines() -> LineSource:
    cache: dict[str, list[str] | None] = {}

    def line(file: str, number: int) -> str | None:
        if file not in cache:
            try:
                cache[file] = Path(file).read_text(encoding="utf-8", errors="replace").split("\n")
            except OSError:
                cache[file] = None
        lines = cache[file]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1].removesuffix("\r")

    return line


def caret_line(source: str, column: int) -> str:
    """Blanks up to `column` (1-based), keeping the source's tabs so the caret lines up."""
    prefix = "".join("\t" if char == "\t" else " " for char in source[: max(column - 1, 0)])
    return prefix + "^"


def format_text(finding: Finding, lines: LineSource | None = None) -> str:
    loc = finding.location
    head = f"{loc.file}:{loc.line}:{loc.column}: {finding.severity}: {finding.message} [{finding.rule}]"
    source = lines(loc.file, loc.line) if lines is not None else None
    if source is None:
        return head
    return f"{head}\n{source}\n{caret_line(source, loc.column)}"


def as_dict(finding: Finding) -> dict[str, object]:
    loc = finding.location
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "message": finding.message,
    }


def format_json(findings: Sequence[Finding]) -> str:
    return json.dumps([as_dict(f) for f in findings], indent=2) + "\n"


def summary(findings: Sequence[Finding], suppressed: int, werror: bool = False) -> str:
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "note")}

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'s' * (n != 1)}"

    text = (
        f"syscalltbl lint: {plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
        f"{plural(counts['note'], 'note')}; {suppressed} suppressed by exceptions"
    )
    if werror and counts["warning"]:
        text += " (warnings are errors: --werror)"
    return text
