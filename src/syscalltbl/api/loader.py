"""load(): the shipped tables, a project's, or a kernel tree's, as a Tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.api.index import Index, cached_index
from syscalltbl.api.tables import Tables

if TYPE_CHECKING:
    from syscalltbl.export.matrix import Matrix


def load(project: str | Path | None = None, *, tree: str | Path | None = None) -> Tables:
    """The tables shipped with syscalltbl; or those of `project`, a directory holding arch/tables.toml
    (what `-C DIR` names); or those of `tree`, a Linux source tree read as `lint --tree` reads it
    (its tables, and the ABI lists of its own Makefiles).

    Unlike the CLI, nothing depends on the working directory. Raises SyscalltblError on bad input.
    """
    from syscalltbl.tables import project as projects

    if tree is not None:
        if project is not None:
            raise ValueError("give either a project or a tree")
        return _load_tree(Path(tree))
    root = projects.find_root(Path(project)) if project is not None else None
    loaded = projects.load(root)

    def build() -> Matrix:
        from syscalltbl.export.matrix import build_matrix

        return build_matrix(loaded)

    index = cached_index(loaded, build)
    return Tables(index.kernel, index.abis, loaded.root, False, index, loaded)


def _load_tree(root: Path) -> Tables:
    from syscalltbl.api.index import from_matrix
    from syscalltbl.export.matrix import build_matrix
    from syscalltbl.tables.tree import load_tree

    # The same reading as `--tree` in the CLI: tables, the ABI lists of the tree's Makefiles,
    # its version, and the shipped abi-bases.toml (a tree has none of its own).
    loaded = load_tree(root)
    found = from_matrix(build_matrix(loaded))
    index = Index(loaded.kernel, found.abis, found.rows)
    return Tables(loaded.kernel, index.abis, root, True, index, loaded)
