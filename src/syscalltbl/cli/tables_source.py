"""Which tables `build`, `show` and `export` read, and saying so on stderr.

    -C DIR        the project DIR (arch/tables.toml)
    --tree [DIR]  a Linux source tree: its tables, Makefiles and headers (syscalltbl.tables.tree)
    --shipped     the tables shipped with syscalltbl
    (none)        the nearest project above the working directory, else the shipped tables

Inside a kernel tree with none of these, the shipped tables are not what the
user is looking at: `show` and `export` warn, and `build` refuses to write
their headers into the tree (UsageError) until --tree or --shipped says which.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.cli.options import TREE_HERE

if TYPE_CHECKING:
    from syscalltbl.tables.project import Project


def _shown(path: Path) -> str:
    """Relative to the working directory when inside it, as a user would type it."""
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return str(path)
    return str(relative) if str(relative) != "." else str(path.resolve())


def _tree_root(option: str) -> Path:
    from syscalltbl.tables.errors import UsageError
    from syscalltbl.tables.tree import is_kernel_tree, tree_above

    if option == TREE_HERE:
        found = tree_above(Path.cwd())
        if found is None:
            raise UsageError("--tree without DIR: the working directory is not inside a Linux source tree")
        return found
    root = Path(option)
    if not root.is_dir():
        raise UsageError(f"--tree {option}: no such directory")
    if not is_kernel_tree(root):
        raise UsageError(
            f"--tree {option}: not a Linux source tree (expected its Makefile, arch/ and scripts/syscalltbl.sh)"
        )
    return root


def _say(command: str, kind: str, message: str) -> None:
    from syscalltbl.tables.errors import diagnostic_line

    print(diagnostic_line(f"syscalltbl {command}", kind, message), file=sys.stderr)


def load_project(args: argparse.Namespace, *, outdir: Path | None = None) -> Project:
    """The tables `args` name (-C, --tree, --shipped, or the working directory's).

    `outdir`: where `build` writes; it refuses to put the shipped tables' headers in a kernel tree.
    """
    from syscalltbl.tables import project as project_module
    from syscalltbl.tables import shipped

    command = args.command
    if args.tree is not None:
        from syscalltbl.tables.tree import load_tree

        root = _tree_root(args.tree)
        tree = load_tree(root)
        version = f"Linux {tree.kernel}" if tree.kernel else "an unknown Linux version (no VERSION in its Makefile)"
        _say(command, "note", f"using the kernel tree {_shown(root)} ({version}): its tables, Makefiles and headers")
        return tree
    if args.shipped:
        return project_module.load(shipped.arch())
    root = project_module.find_root(args.project)
    project = project_module.load(root)
    if args.project is None and root == shipped.arch():
        _check_not_in_tree(command, project, outdir)
    return project


def _check_not_in_tree(command: str, project: Project, outdir: Path | None) -> None:
    """The shipped tables were chosen by default: refuse or warn when a kernel tree is in sight."""
    from syscalltbl.tables.errors import UsageError
    from syscalltbl.tables.tree import tree_above

    shipped = f"the shipped Linux {project.kernel} tables"
    if outdir is not None:
        target = tree_above(_existing_parent(outdir))
        if target is not None:
            raise UsageError(
                f"refusing to write the headers of {shipped} into the kernel tree {_shown(target)}: "
                "pass --tree to build that tree's own tables, or --shipped to build the shipped ones"
            )
    here = tree_above(Path.cwd())
    if here is not None:
        tree = _shown(here)
        _say(command, "warning", f"using {shipped}, not those of the kernel tree {tree}; pass --tree to use them")


def _existing_parent(path: Path) -> Path:
    """`path` or its nearest existing parent: the output directory may not be made yet."""
    path = path.absolute()
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return path


def record_inputs(args: argparse.Namespace, project: Project, outdir: Path) -> tuple[list[str], list[str]] | None:
    """What load_project found `args` to mean, as (paths it found absent, files it read): a warm build
    (cli/build_warm.py) checks them again. None for a kernel tree, whose files are too many to watch,
    and when a Makefile above the working or output directory would make load_project look further."""
    from syscalltbl.tables import shipped

    if args.tree is not None or project.tree is not None:
        return None
    absent: list[str] = []
    if args.project is None and not args.shipped:
        # project.find_root's search: every arch/tables.toml below the one found must still be absent.
        for directory in (Path.cwd(), *Path.cwd().parents):
            meta = directory / "arch" / "tables.toml"
            if directory / "arch" == project.root:
                break
            absent.append(str(meta))
        if project.root == shipped.arch():
            # _check_not_in_tree's search for a kernel tree: no Makefile in any directory it looks at.
            starts = {Path.cwd(), Path.cwd().resolve(), outdir.absolute(), outdir.resolve()}
            makefiles = {str(d / "Makefile") for start in starts for d in (start, *start.parents)}
            if any(os.path.lexists(m) for m in makefiles):
                return None
            absent += sorted(makefiles)
    inputs = [os.path.abspath(project.root / "tables.toml"), *(os.path.abspath(f) for f in project.tables.values())]
    return absent, inputs
