"""The data shipped inside the package: the kernel's tables (arch/) and the grammars.

Both are package data of `syscalltbl.tables`, found with importlib.resources,
so a checkout (`PYTHONPATH=src`), an editable install and a wheel read the
same files. Callers get real paths: the assembler, the linter's messages and
`syscalltbl init`'s copy all need a directory on disk, which every supported
installation (not a zip import) has.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def _package_dir() -> Path:
    root = resources.files("syscalltbl.tables")
    if not isinstance(root, Path):
        raise RuntimeError(f"syscalltbl.tables must be installed as files on disk, not {type(root).__name__}")
    return root


def arch() -> Path:
    """The shipped arch/ directory: tables.toml, abi-bases.toml, lint-exceptions.toml and the .tbl files."""
    return _package_dir() / "arch"


def grammar(name: str) -> Path:
    """A Lark grammar shipped with the parsers: `tbl.lark`, `prototypes.lark`."""
    return _package_dir() / "grammars" / name
