"""`syscalltbl show NAME|NUMBER`: one syscall on every architecture and ABI.

A NAME is a syscall name (`getpid`) or an entry point (`sys_getpid`); a
NUMBER (decimal, or 0x hex) is matched against every table number and every
absolute number (`0x40000027` is getpid on x86/x32). Each cell shows the
table's number, the number userspace passes (the table's plus the ABI's base
from arch/abi-bases.toml), the entry points, noreturn and the line it comes
from; then the prototype of each entry point, from `--headers DIR` (a kernel
tree or an unpacked linux-headers package) or from headers the project ships.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.cli.options import add_project_option

if TYPE_CHECKING:
    from syscalltbl.export.matrix import Matrix
    from syscalltbl.tables.model import Entry
    from syscalltbl.tables.project import Project
    from syscalltbl.tables.prototype_model import Prototype

HELP = "show one syscall (by name or number) on every architecture and ABI"

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="NAME|NUMBER", help="syscall name, entry point, or number (decimal or 0x...)")
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
    add_project_option(parser)


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
    symbols = sorted(
        {
            symbol
            for _, _, entry in found
            for symbol in (entry.entry_point, entry.compat_entry_point)
            if symbol and symbol != "-"
        }
    )
    lines.append("")
    if prototypes is None:
        lines.append(f"prototypes: unknown ({headers_note})")
    else:
        lines.append(f"prototypes ({headers_note}):")
        proto_rows: list[list[str]] = []
        for symbol in symbols:
            declared = prototypes.get(symbol, [])
            if not declared:
                proto_rows.append([symbol, "(not declared in these headers)", ""])
            for prototype in declared:
                location = prototype.location
                proto_rows.append([symbol, prototype.declaration(), f"{location.file}:{location.line}"])
        if proto_rows:
            lines.extend("  " + line for line in _table(proto_rows))
    return "\n".join(lines) + "\n"


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
    files = prototype_headers(project.root, project=True)
    if not files:
        return None, "no prototype headers: pass --headers DIR, a kernel tree or linux-headers directory"
    return load_prototypes(files, project.root), f"from {len(files)} headers under {project.root}"


def run(args: argparse.Namespace) -> int:
    from syscalltbl.export.matrix import build_matrix
    from syscalltbl.tables import project as project_module

    project = project_module.load(project_module.find_root(args.project))
    matrix = build_matrix(project)
    columns = _columns(matrix, args.arch)
    found, problem = _lookup(matrix, args.query, columns)
    if not found:
        print(f"syscalltbl show: error: {problem}", file=sys.stderr)
        return EXIT_FAILURE
    prototypes, note = _prototypes(project, args.headers)
    sys.stdout.write(render(matrix, args.query, found, columns, prototypes, note))
    return EXIT_OK
