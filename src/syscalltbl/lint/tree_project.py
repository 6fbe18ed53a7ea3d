"""A kernel tree as a Project: its tables and the generator invocations its own Makefiles run.

What `lint --tree` reads (tree.py: the tables, symlinks as aliases; kbuild.py:
the invocations and their ABI lists), in the form build_matrix and the
generators take, so that a kernel tree can stand wherever a project does.
"""

from __future__ import annotations

from pathlib import Path

from syscalltbl.lint.corpus import link_target
from syscalltbl.lint.headers import kernel_version
from syscalltbl.lint.kbuild import tree_outputs
from syscalltbl.lint.project_inputs import display_path
from syscalltbl.lint.tree import find_tables
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.project import Output, Project


def load_tree_project(root: Path) -> tuple[Project, str]:
    """The tree at `root` as a Project (its root is the tree), and the kernel version its Makefile says."""
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
    found, _notes = tree_outputs(root, directories, set(tables) | set(aliases), display_path(root))
    outputs: dict[str, Output] = {}
    for selection in found:
        # s390's script gives one selection per mode of one invocation; each output is run once.
        stdin = selection.generator == "s390-syscalltbl"
        output = Output(selection.arch, selection.generator, selection.table, selection.argv, stdin, selection.path)
        outputs.setdefault(selection.path, output)
    return Project(root, tables, aliases, tuple(outputs.values())), kernel_version(root) or ""
