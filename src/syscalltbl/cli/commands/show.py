"""`syscalltbl show NAME|NUMBER`: one syscall on every architecture and ABI.

A NAME is a syscall name (`getpid`) or an entry point (`sys_getpid`); a
NUMBER (decimal, or 0x hex) is matched against every table number and every
absolute number (`0x40000027` is getpid on x86/x32). Each cell shows the
table's number, the number userspace passes (the table's plus the ABI's base
from arch/abi-bases.toml), the entry points, noreturn and the line it comes
from; then the prototype of each entry point, from `--headers DIR` (a kernel
tree or an unpacked linux-headers package) or from headers the project ships.
With `--tree [DIR]` the tables, ABI lists and headers are a kernel tree's own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.cli.options import TREE_HERE, add_tables_options

if TYPE_CHECKING:
    from syscalltbl.export.matrix import Matrix
    from syscalltbl.tables.model import Entry
    from syscalltbl.tables.project import Project
    from syscalltbl.tables.prototype_model import Prototype

HELP = "show one syscall (by name or number) on every architecture and ABI"

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def configure(parser: argparse.ArgumentParser) -> None:
    # Optional only for `show --tree getpid`, where argparse hands the name to --tree's DIR (see _query).
    parser.add_argument(
        "query", nargs="?", metavar="NAME|NUMBER", help="syscall name, entry point, or number (decimal or 0x...)"
    )
    parser.add_argument(
        "--arch", metavar="A", help="only this architecture (x86) or architecture/ABI column (x86/x32)"
    )
    parser.add_argument(
        "--headers",
        type=Path,
        metavar="DIR",
        help="kernel tree or linux-headers directory to read prototypes from "
        "(include/linux/syscalls.h, include/linux/compat.h, arch/*/include/asm/syscalls.h)",
    )
    add_tables_options(parser)
    # The query may not be left out (see _query): the usage shows it without the brackets of nargs="?".
    parser.usage = parser.format_usage().removeprefix("usage: ").rstrip().replace("[NAME|NUMBER]", "NAME|NUMBER")


def _query(args: argparse.Namespace) -> str:
    """NAME|NUMBER; in `show --tree getpid` argparse took it for --tree's DIR, which is then the
    working directory's tree."""
    from syscalltbl.tables.errors import UsageError

    if args.query is not None:
        return str(args.query)
    if args.tree not in (None, TREE_HERE) and not Path(args.tree).is_dir():
        query, args.tree = args.tree, TREE_HERE
        return str(query)
    raise UsageError("the following arguments are required: NAME|NUMBER")


def _check_broken(matrix: Matrix, arch: str | None) -> None:
    """Raise the error of the table `arch` (an architecture or ARCH/ABI) reads, if it is broken;
    warn about every other broken table, whose architectures the lookup leaves out."""
    from syscalltbl.cli.warn import warn

    wanted = arch.split("/", 1)[0] if arch else None
    if wanted in matrix.broken:
        raise matrix.broken[wanted]
    by_error: dict[int, list[str]] = {}
    for name, error in matrix.broken.items():
        by_error.setdefault(id(error), []).append(name)
    for names in by_error.values():
        warn("show", matrix.broken[names[0]], f"{', '.join(names)} left out")


def _columns(matrix: Matrix, arch: str | None) -> list[int]:
    from syscalltbl.tables.errors import UsageError

    columns = matrix.columns(arch)
    if not columns:
        known = ", ".join(matrix.arches)
        raise UsageError(f"unknown architecture {arch!r}: expected one of {known} (or ARCH/ABI)")
    return columns


def _lookup(matrix: Matrix, query: str, columns: list[int]) -> tuple[list[tuple[str, int, Entry]], str]:
    """The cells `query` names within `columns`, and why there are none if so."""
    found = matrix.lookup(query, columns)
    return list(found.cells), found.problem


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def render(
    matrix: Matrix,
    query: str,
    found: list[tuple[str, int, Entry]],
    columns: list[int],
    prototypes: dict[str, list[Prototype]] | None,
    headers_note: str,
) -> str:
    """The text `show` prints for the cells `found`."""

    names = sorted({name for name, _, _ in found})
    by_number = len(names) > 1 or names != [query]
    lines: list[str] = []
    version = f" (Linux {matrix.kernel})" if matrix.kernel else ""
    if by_number:
        lines.append(f"{query}: {', '.join(names)}{version}")
    else:
        lines.append(f"{query}{version}")
    head = ["ARCH/ABI", *(["NAME"] if by_number else []), "NR", "ABSOLUTE", "ABI", "ENTRY POINT", "COMPAT"]
    rows = [[*head, "NORETURN", "SOURCE"]]
    for name, index, entry in sorted(found, key=lambda f: (f[1], f[0])):
        selection = matrix.selections[index]
        rows.append(
            [
                selection.column,
                *([name] if by_number else []),
                str(entry.number),
                selection.absolute_text(entry),
                entry.abi,
                entry.entry_point or "",
                entry.compat_entry_point or "",
                "noreturn" if entry.noreturn else "",
                f"{entry.location.file}:{entry.location.line}",
            ]
        )
    lines.extend(_table(rows))
    if not by_number:
        present = {index for _, index, _ in found}
        missing = [matrix.selections[i].column for i in columns if i not in present]
        if missing:
            lines.append(f"not on: {', '.join(missing)}")
    # Each entry point, and the architectures whose cells call it.
    symbols: dict[str, set[str]] = {}
    for _, index, entry in found:
        for symbol in (entry.entry_point, entry.compat_entry_point):
            if symbol and symbol != "-":
                symbols.setdefault(symbol, set()).add(matrix.selections[index].arch)
    lines.append(_classes_line(matrix, names, prototypes))
    lines.append("")
    if prototypes is None:
        lines.append(f"prototypes: unknown ({headers_note})")
    else:
        lines.append(f"prototypes ({headers_note}):")
        proto_rows: list[list[str]] = []
        gaps: list[str] = []
        for symbol in sorted(symbols):
            rows, uncovered = _prototype_rows(symbol, symbols[symbol], prototypes)
            proto_rows.extend(rows)
            if uncovered:
                gaps.append(f"  {symbol}: no prototype for {', '.join(uncovered)} in these headers")
        if proto_rows:
            lines.extend("  " + line for line in _table(proto_rows))
        lines.extend(gaps)
    return "\n".join(lines) + "\n"


def _prototype_rows(
    symbol: str, arches: set[str], prototypes: dict[str, list[Prototype]]
) -> tuple[list[list[str]], list[str]]:
    """The rows for the prototypes of `symbol` that hold on `arches` (the generic headers' and
    those of the architectures' own headers, never another architecture's), and the
    architectures none of them covers."""
    from syscalltbl.export.matrix import header_arch

    declared = prototypes.get(symbol, [])
    if not declared:
        return [[symbol, "(not declared in these headers)", ""]], []
    rows: list[list[str]] = []
    covered: set[str] = set()
    for prototype in declared:
        owner = header_arch(prototype.location.file)
        if owner and owner not in arches:
            continue
        covered |= {owner} if owner else arches
        location = prototype.location
        rows.append([symbol, prototype.declaration(), f"{location.file}:{location.line}"])
    return rows, sorted(arches - covered)


def _classes_line(matrix: Matrix, names: list[str], prototypes: dict[str, list[Prototype]] | None) -> str:
    """`classes: %file %desc` (docs/classes.md), each name's when a number names several."""
    from syscalltbl.tables.classes import classes_of_entries, spelled

    each = [(name, spelled(classes_of_entries(name, matrix.rows[name], prototypes))) for name in names]
    if len(each) == 1:
        return f"classes: {each[0][1]}"
    return "classes: " + "; ".join(f"{name} {classes}" for name, classes in each)


def _prototypes(project: Project, headers: Path | None) -> tuple[dict[str, list[Prototype]] | None, str]:
    """Prototypes by symbol, and a note saying where they came from (or why there are none)."""
    from syscalltbl.export.matrix import load_prototypes, prototype_headers
    from syscalltbl.tables.errors import UsageError

    if headers is not None:
        if not headers.is_dir():
            raise UsageError(f"--headers {headers}: not a directory")
        files = prototype_headers(headers)
        if not files:
            raise UsageError(
                f"--headers {headers}: no include/linux/syscalls.h, include/linux/compat.h "
                "or arch/*/include/asm/syscalls.h there"
            )
        return load_prototypes(files, headers), f"from {len(files)} headers under {headers}"
    files = project.prototype_headers()
    if not files:
        return None, "no prototype headers: pass --headers DIR, a kernel tree or linux-headers directory"
    return load_prototypes(files, project.headers_root), f"from {len(files)} headers under {project.headers_root}"


def run(args: argparse.Namespace) -> int:
    from syscalltbl.cli.tables_source import load_project
    from syscalltbl.export.matrix import build_matrix

    query = _query(args)
    project = load_project(args)
    # A table that cannot be read costs only the architectures reading it: a lookup
    # elsewhere works, with a warning; a lookup on such an architecture is its error.
    matrix = build_matrix(project, skip_broken=True)
    _check_broken(matrix, args.arch)
    columns = _columns(matrix, args.arch)
    found, problem = _lookup(matrix, query, columns)
    if not found:
        print(f"syscalltbl show: error: {problem}", file=sys.stderr)
        return EXIT_FAILURE
    prototypes, note = _prototypes(project, args.headers)
    sys.stdout.write(render(matrix, query, found, columns, prototypes, note))
    return EXIT_OK
