"""`syscalltbl export --format json|csv|html`: the whole cross-architecture matrix.

One row per syscall name, one column per architecture/ABI selection (see
syscalltbl.export.matrix), straight from the tables. CSV cells hold the table's
number; JSON cells also the absolute number, the entry points, noreturn and
the source line; the HTML page is one self-contained file (inline CSS and JS,
nothing fetched) with a search box, and marks the linter's findings (the
exceptions file applied, as `syscalltbl lint` does) on the cells, rows and
column heads they concern, the message on hover. Output is deterministic:
the same tables give the same bytes. `--tree [DIR]` exports a kernel tree's own
tables, with the ABI lists its Makefiles give.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syscalltbl.cli.options import add_tables_options

if TYPE_CHECKING:
    from syscalltbl.export.matrix import Mark, Matrix, PlacedMarks
    from syscalltbl.tables.model import Entry
    from syscalltbl.tables.project import Project

HELP = "export the cross-architecture syscall matrix as JSON, CSV or a static HTML page"

FORMATS = ("json", "csv", "html")

#: Bumped when the JSON layout changes incompatibly.
JSON_VERSION = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="json", help="output format (default: json)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of standard output")
    parser.add_argument(
        "--no-lint", action="store_true", help="html: do not run the linter to mark findings on the page"
    )
    add_tables_options(parser)


def _cell(matrix: Matrix, index: int, entry: Entry) -> dict[str, Any]:
    selection = matrix.selections[index]
    return {
        "number": entry.number,
        "absolute": selection.absolute(entry),
        "abi": entry.abi,
        "entry_point": entry.entry_point,
        "compat_entry_point": entry.compat_entry_point,
        "noreturn": entry.noreturn,
        "location": f"{entry.location.file}:{entry.location.line}",
    }


def row_classes(project: Project, matrix: Matrix) -> dict[str, list[str]]:
    """Each syscall's classes (docs/classes.md), judged by the prototypes the project's headers declare."""
    from syscalltbl.export.matrix import load_prototypes
    from syscalltbl.tables.classes import classes_of_entries, ordered

    # A kernel tree's own headers (--tree), else the project's copies under its arch/.
    prototypes = load_prototypes(project.prototype_headers(), project.headers_root)
    return {name: ordered(classes_of_entries(name, entries, prototypes)) for name, entries in matrix.rows.items()}


def to_json(matrix: Matrix, classes: dict[str, list[str]]) -> str:
    import json

    document = {
        "format": "syscalltbl-matrix",
        "version": JSON_VERSION,
        "kernel": matrix.kernel,
        "columns": [
            {
                "column": s.column,
                "arch": s.arch,
                "abi": s.name,
                "table": s.table,
                "source": s.source,
                "abis": list(s.abis) if s.abis is not None else None,
                "base": s.base,
                "base_macro": s.base_macro or None,
                "base_defined_in": s.base_defined_in or None,
                "outputs": list(s.outputs),
            }
            for s in matrix.selections
        ],
        "syscalls": [
            {
                "name": name,
                "classes": classes[name],
                "cells": {
                    matrix.selections[i].column: _cell(matrix, i, entry)
                    for i, entry in enumerate(entries)
                    if entry is not None
                },
            }
            for name, entries in matrix.rows.items()
        ],
    }
    return json.dumps(document, indent=1) + "\n"


def to_csv(matrix: Matrix, classes: dict[str, list[str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", *(s.column for s in matrix.selections), "classes"])
    for name, entries in matrix.rows.items():
        writer.writerow([name, *("" if e is None else str(e.number) for e in entries), " ".join(classes[name])])
    return buffer.getvalue()


def _tooltip(marks: tuple[Mark, ...]) -> str:
    return "\n".join(f"{m.severity}: {m.message} [{m.rule}] ({m.file}:{m.line})" for m in marks)


def html_context(
    matrix: Matrix, placed: PlacedMarks | None, lint_status: str, classes: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """What the page template needs, all plain strings and lists."""
    from syscalltbl.export.matrix import worst

    groups: list[dict[str, Any]] = []
    for selection in matrix.selections:
        if groups and groups[-1]["arch"] == selection.arch:
            groups[-1]["span"] += 1
        else:
            groups.append({"arch": selection.arch, "span": 1})
    columns = []
    for index, s in enumerate(matrix.selections):
        abis = "all lines" if s.abis is None else "--abis " + ",".join(s.abis)
        base = f"; base {s.base_macro or s.base} = {s.base:#x}" if s.base else ""
        multi = s.column != s.arch
        first = not multi or s.column == next(c.column for c in matrix.selections if c.arch == s.arch)
        title = f"{s.column}: {s.source} ({abis}){base}"
        head_marks = placed.heads.get(index, ()) if placed else ()
        if head_marks:
            title += "\n" + _tooltip(head_marks)
        cls = " ".join(c for c in ("arch-start" if first else "", f"f-{worst(head_marks)}" if head_marks else "") if c)
        label = s.name if multi else ""
        columns.append({"label": label, "column": s.column, "title": title, "first": first, "cls": cls})
    rows = []
    counts = {"error": 0, "warning": 0, "note": 0}
    for name, entries in matrix.rows.items():
        row_marks = placed.rows.get(name, ()) if placed else ()
        cells = []
        for index, entry in enumerate(entries):
            start = "arch-start" if columns[index]["first"] else ""
            marks = placed.cells.get((name, index), ()) if placed else ()
            selection = matrix.selections[index]
            if entry is None:
                # Empty, unless a finding is about the gap (a syscall one architecture lacks).
                cls = " ".join(c for c in (start, f"f-{worst(marks)}" if marks else "") if c)
                title = f"{selection.column}: no {name}\n{_tooltip(marks)}" if marks else ""
                cells.append({"text": "", "cls": cls, "title": title})
                continue
            title = entry.entry_point or ""
            if entry.compat_entry_point:
                title += f" / compat {entry.compat_entry_point}"
            if entry.noreturn:
                title += " (noreturn)"
            if selection.base:
                title += f"\nabsolute {selection.absolute(entry)} ({selection.absolute(entry):#x})"
            title += f"\n{entry.location.file}:{entry.location.line}"
            cls = " ".join(c for c in (start, f"f-{worst(marks)}" if marks else "") if c)
            if marks:
                title += "\n" + _tooltip(marks)
            cells.append({"text": str(entry.number), "cls": cls, "title": title})
        for mark in row_marks:
            counts[mark.severity] = counts.get(mark.severity, 0) + 1
        rows.append(
            {
                "name": name,
                "classes": " ".join(f"%{c}" for c in (classes or {}).get(name, [])),
                "severity": worst(row_marks),
                "title": _tooltip(row_marks),
                "cells": cells,
            }
        )
    elsewhere = [str(m) for m in placed.elsewhere] if placed else []
    return {
        "kernel": matrix.kernel,
        "groups": groups,
        "columns": columns,
        "rows": rows,
        "lint_status": lint_status,
        "counts": counts,
        "elsewhere": elsewhere,
    }


def to_html(
    matrix: Matrix, placed: PlacedMarks | None, lint_status: str, classes: dict[str, list[str]] | None = None
) -> str:
    from syscalltbl.generators.jinja_env import render

    return render("export/matrix.html.j2", **html_context(matrix, placed, lint_status, classes))


def _lint(args: argparse.Namespace, project: Any, matrix: Matrix) -> tuple[PlacedMarks | None, str]:
    from syscalltbl.export.matrix import lint_report, place_marks

    if args.no_lint:
        return None, "lint findings not marked (--no-lint)"
    # The findings and the summary `syscalltbl lint` gives, exceptions applied.
    report = lint_report(project)
    return place_marks(project, matrix, report.marks), f"lint: {report.summary}"


def run(args: argparse.Namespace) -> int:
    from syscalltbl.cli.tables_source import load_project
    from syscalltbl.export.matrix import build_matrix

    project = load_project(args)
    matrix = build_matrix(project)
    classes = row_classes(project, matrix)
    if args.format == "json":
        text = to_json(matrix, classes)
    elif args.format == "csv":
        text = to_csv(matrix, classes)
    else:
        placed, status = _lint(args, project, matrix)
        text = to_html(matrix, placed, status, classes)
    if args.output is None:
        sys.stdout.write(text)
        if sys.stdout is not None:  # None when fd 1 was closed at start-up
            sys.stdout.flush()
    else:
        from syscalltbl.store import atomic
        from syscalltbl.tables.errors import SyscalltblError

        if not args.output.parent.is_dir():
            raise SyscalltblError("output directory does not exist", path=str(args.output.parent))
        atomic.write_if_changed(args.output, text.encode("utf-8"))
    return 0
