"""A Linux source tree as a Project: its own tables, Makefiles and headers (`--tree DIR`).

    project = load_tree(Path("linux"))     # build, show, export, lint and the API read this

Everything comes from the tree: the tables (every arch/**/syscall*.tbl and
scripts/syscall*.tbl; symlinks become aliases), the generator invocations
and their ABI lists (its Makefiles, evaluated by kbuild.py), the prototype
headers (Project.prototype_headers) and the version (its top Makefile's
VERSION, PATCHLEVEL and SUBLEVEL). The ABI number bases are the shipped ones:
the kernel keeps them in C headers, and they do not change between versions.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import NamedTuple

from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.project import Output, Project

#: Symlinks stored as text (a corpus, a checkout without symlinks): `../../../scripts/syscall.tbl`.
_TEXT_LINK = re.compile(r"(?:\.\./)+[\w./-]+\.tbl\n?")

_VERSION_LINE = re.compile(r"^(VERSION|PATCHLEVEL|SUBLEVEL)\s*=\s*(\d*)\s*$", re.M)


class TreeScan(NamedTuple):
    project: Project
    #: arch -> how its invocations were found, and what could not be read (`lint --verbose`).
    notes: dict[str, list[str]]


def is_kernel_tree(directory: Path) -> bool:
    """A Linux source tree: a top Makefile, and the table scripts (scripts/syscalltbl.sh, or before
    Linux 5.10 arch/*/entry/syscalls)."""
    if not (directory / "Makefile").is_file() or not (directory / "arch").is_dir():
        return False
    return (directory / "scripts" / "syscalltbl.sh").is_file() or any(directory.glob("arch/*/entry/syscalls"))


def tree_above(start: Path) -> Path | None:
    """The kernel tree `start` lies in (the nearest one at or above it), if any."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if is_kernel_tree(directory):
            return directory
    return None


def kernel_version(root: Path) -> str | None:
    """"6.12.117" from the top Makefile's VERSION, PATCHLEVEL and SUBLEVEL, if there is one."""
    try:
        text = (root / "Makefile").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = {name: value for name, value in _VERSION_LINE.findall(text[:2000])}
    if not fields.get("VERSION") or not fields.get("PATCHLEVEL"):
        return None
    version = f"{fields['VERSION']}.{fields['PATCHLEVEL']}"
    return f"{version}.{fields['SUBLEVEL']}" if fields.get("SUBLEVEL") else version


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


def link_target(file: Path, root: Path) -> str | None:
    """The tree-relative path a symlink (real, or stored as text) points at, else None."""
    if file.is_symlink():
        target = os.readlink(file)
    else:
        try:
            if file.stat().st_size > 200:
                return None
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if not _TEXT_LINK.fullmatch(text):
            return None
        target = text.strip()
    relative = posixpath.normpath(posixpath.join(posixpath.dirname(file.relative_to(root).as_posix()), target))
    return None if relative.startswith("..") else relative


def _in_shipped_order(outputs: list[Output]) -> tuple[Output, ...]:
    """The outputs the shipped tables.toml names first, in its order; the others after, in Makefile order.

    Columns of `export` and `show` follow output order: a tree's then line up with the shipped
    tables' (x86's i386, x32, 64), whatever order its Makefile writes the rules in.
    """
    from syscalltbl.tables import project as project_module

    order = {o.path: index for index, o in enumerate(project_module.load().outputs)}
    known = sorted((o for o in outputs if o.path in order), key=lambda o: order[o.path])
    return (*known, *(o for o in outputs if o.path not in order))


def scan_tree(root: Path) -> TreeScan:
    """The Project of the kernel tree at `root`, and notes on how its Makefiles were read."""
    from syscalltbl.tables.kbuild import tree_outputs

    if not root.is_dir():
        raise SyscalltblError("no such directory", path=str(root))
    if not (root / "arch").is_dir():
        raise SyscalltblError("not a kernel tree: no arch/ directory", path=str(root))
    tables: dict[str, Path] = {}
    aliases: dict[str, str] = {}
    for path in find_tables(root):
        target = link_target(root / path, root)
        if target is not None:
            aliases[path] = target
        else:
            tables[path] = root / path
    directories = sorted({p.rsplit("/", 1)[0] for p in [*tables, *aliases]})
    outputs, notes = tree_outputs(root, directories, set(tables) | set(aliases))
    project = Project(
        root / "arch", tables, aliases, _in_shipped_order(outputs), kernel_version(root) or "", tree=root
    )
    return TreeScan(project, notes)


def load_tree(root: Path) -> Project:
    """The tables, ABI lists, outputs and prototype headers of the Linux source tree at `root`."""
    return scan_tree(root).project
