"""The data shipped inside the package: the kernel's tables (arch/) and the grammars.

Both are package data of `syscalltbl.tables`, so a checkout (`PYTHONPATH=src`),
an editable install and a wheel read the same files. Callers get real paths:
the assembler, the linter's messages and `syscalltbl init`'s copy all need a
directory on disk, which every supported installation (not a zip import) has.

The directory is the one the import system found the package in, which is
what `importlib.resources.files("syscalltbl.tables")` returns for a package on
disk (tests/test_target.py checks they agree); importlib.resources itself is
not imported, as it pulls in tempfile and zipfile support at every start-up.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def _package_dir() -> Path:
    spec = sys.modules[__package__ or "syscalltbl.tables"].__spec__
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    directory = Path(locations[0]) if locations else None
    if directory is None or not (directory / "arch" / "tables.toml").is_file():
        raise RuntimeError("syscalltbl.tables must be installed as files on disk, with its arch/ data")
    return directory


def arch() -> Path:
    """The shipped arch/ directory: tables.toml, abi-bases.toml, lint-exceptions.toml and the .tbl files."""
    return _package_dir() / "arch"


def grammar(name: str) -> Path:
    """A Lark grammar shipped with the parsers: `tbl.lark`, `prototype_headers.lark`, `prototypes.lark`."""
    return _package_dir() / "grammars" / name
