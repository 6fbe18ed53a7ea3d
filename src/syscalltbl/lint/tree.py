"""LintInputs of a Linux source tree (`syscalltbl lint --tree DIR`).

The tables, the generator invocations and their ABI lists are the tree's
Project (syscalltbl.tables.tree, which build, show and export read too); the
linter adds the prototype headers, kernel/sys_ni.c, tools/perf's copies, and
the definitions in its C and assembly sources (sources.py) when `sources` is
set and the tree has them.
"""

from __future__ import annotations

from pathlib import Path

from syscalltbl.lint.corpus import find_perf_copies
from syscalltbl.lint.graph import NO_ENTRY
from syscalltbl.lint.headers import header_paths, read_headers, shown_path
from syscalltbl.lint.inputs import LintInputs, OutputSelection, TableSource
from syscalltbl.lint.project_inputs import display_path
from syscalltbl.lint.read import read_table
from syscalltbl.lint.selection import selections
from syscalltbl.lint.sources import read_sys_ni, scan_definitions
from syscalltbl.tables.abibases import abi_data_file, load_abi_data
from syscalltbl.tables.errors import UsageError
from syscalltbl.tables.limits import read_bounded
from syscalltbl.tables.model import Location, Table
from syscalltbl.tables.project import Project
from syscalltbl.tables.tree import scan_tree

SYS_NI = "kernel/sys_ni.c"


def _shown(root: Path, path: str) -> str:
    return display_path(root / path)


def _selections(project: Project, root: Path, notes: dict[str, list[str]]) -> list[OutputSelection]:
    """What each invocation the tree's Makefiles write takes from its table."""
    found: list[OutputSelection] = []
    for output in project.outputs:
        argv = [a.replace("{input}", output.input).replace("{output}", output.path) for a in output.argv]
        where = Location(_shown(root, output.makefile), output.makefile_line, 1)
        try:
            found.extend(selections(output.arch, output.generator, output.input, argv, output.path, where))
        except UsageError as exc:
            where_text = f"{output.makefile}:{output.makefile_line}"
            problem = f"cannot read the {output.generator} command: {exc.message}"
            notes.setdefault(output.arch, []).append(f"{where_text}: {problem}")
    return found


def load_tree_inputs(root: Path, *, sources: bool = True) -> LintInputs:
    scan = scan_tree(root)
    project, notes = scan.project, scan.notes
    shown_root = display_path(root)
    tables: dict[str, Table] = {}
    table_sources: dict[str, TableSource] = {}
    for path, file in project.tables.items():
        tables[path], table_sources[path] = read_table(read_bounded(file), _shown(root, path))
    outputs = _selections(project, root, notes)
    headers = header_paths(root)
    prototypes = read_headers(root, shown_root) if headers else None
    cond = read_sys_ni(root / SYS_NI) if (root / SYS_NI).is_file() else None
    definitions = None
    if sources and (root / "kernel").is_dir():
        wanted = {
            point
            for table in tables.values()
            for entry in table.entries
            for point in (entry.entry_point, entry.compat_entry_point)
            if point is not None and point not in NO_ENTRY
        }
        definitions = scan_definitions(root, wanted)
    perf, perf_notes = find_perf_copies(root, set(tables) | set(project.aliases), shown_root)
    if perf_notes:
        notes.setdefault("tools", []).extend(perf_notes)
    version = project.kernel or None
    return LintInputs(
        tables=tables,
        outputs=tuple(outputs),
        aliases=dict(project.aliases),
        sources=table_sources,
        prototypes=prototypes,
        headers_read=frozenset(headers),
        header_kernel_paths={shown_path(shown_root, p): p for p in headers},
        definitions=definitions,
        cond_syscalls=cond,
        cond_source=_shown(root, SYS_NI),
        perf_copies=perf,
        abi_data=load_abi_data(abi_data_file(None)),
        tables_version=version,
        headers_version=version,
        notes=notes,
    )
