"""LintInputs of a Linux source tree (`syscalltbl lint --tree DIR`).

Everything comes from the tree itself: the tables (every arch/**/syscall*.tbl
and scripts/syscall*.tbl; symlinks become aliases), the generator invocations
and their ABI lists (from its Makefiles, kbuild.py), the prototype headers,
kernel/sys_ni.c, tools/perf's copies, and the definitions in its C and
assembly sources (sources.py) when `sources` is set and the tree has them.
"""

from __future__ import annotations

import os
from pathlib import Path

from syscalltbl.lint.corpus import find_perf_copies, link_target
from syscalltbl.lint.graph import NO_ENTRY
from syscalltbl.lint.headers import header_paths, kernel_version, read_headers, shown_path
from syscalltbl.lint.inputs import LintInputs, TableSource
from syscalltbl.lint.kbuild import tree_outputs
from syscalltbl.lint.project_inputs import display_path
from syscalltbl.lint.read import read_table
from syscalltbl.lint.sources import read_sys_ni, scan_definitions
from syscalltbl.tables.abibases import abi_data_file, load_abi_data
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.limits import read_bounded
from syscalltbl.tables.model import Table

SYS_NI = "kernel/sys_ni.c"


def find_tables(root: Path) -> list[str]:
    """Kernel paths of the syscall tables (tools/ holds copies, read separately)."""
    found: set[str] = set()
    for top in ("arch", "scripts"):
        base = root / top
        if not base.is_dir():
            continue
        for directory, dirs, files in os.walk(base):
            # Device trees and boot code hold thousands of files and no tables.
            dirs[:] = [d for d in dirs if d not in ("dts", "boot", "configs", "include")]
            for name in files:
                if name.startswith("syscall") and name.endswith(".tbl"):
                    found.add(Path(directory, name).relative_to(root).as_posix())
    return sorted(found)


def _shown(root: Path, path: str) -> str:
    return display_path(root / path)


def load_tree_inputs(root: Path, *, sources: bool = True) -> LintInputs:
    if not (root / "arch").is_dir():
        raise SyscalltblError("not a kernel tree: no arch/ directory", path=str(root))
    shown_root = display_path(root)
    tables: dict[str, Table] = {}
    table_sources: dict[str, TableSource] = {}
    aliases: dict[str, str] = {}
    for path in find_tables(root):
        target = link_target(root / path, root)
        if target is not None:
            aliases[path] = target
            continue
        tables[path], table_sources[path] = read_table(read_bounded(root / path), _shown(root, path))
    directories = sorted({p.rsplit("/", 1)[0] for p in [*tables, *aliases]})
    outputs, notes = tree_outputs(root, directories, set(tables) | set(aliases), shown_root)
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
    perf, perf_notes = find_perf_copies(root, set(tables) | set(aliases), shown_root)
    if perf_notes:
        notes.setdefault("tools", []).extend(perf_notes)
    version = kernel_version(root)
    return LintInputs(
        tables=tables,
        outputs=tuple(outputs),
        aliases=aliases,
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
