"""Options more than one subcommand takes, spelled once."""

from __future__ import annotations

import argparse
from pathlib import Path

_READ = (
    "project directory holding arch/tables.toml (default: the nearest one above the working directory, "
    "else the tables shipped with syscalltbl)"
)
_EDIT = "project directory holding arch/ (default: the nearest one above the working directory)"


def add_project_option(parser: argparse._ActionsContainer, *, edits: bool = False) -> None:
    """`-C DIR`, into `args.project`: the project to read, or (`edits`) the one to change."""
    parser.add_argument("-C", dest="project", type=Path, metavar="DIR", help=_EDIT if edits else _READ)


#: `--tree` given without DIR: the kernel tree the working directory is in.
TREE_HERE = ""


def add_tables_options(parser: argparse.ArgumentParser) -> None:
    """Which tables to read: `-C DIR`, `--tree [DIR]` or `--shipped` (see syscalltbl.cli.tables_source)."""
    where = parser.add_mutually_exclusive_group()
    add_project_option(where)
    where.add_argument(
        "--tree",
        nargs="?",
        const=TREE_HERE,
        metavar="DIR",
        help="read the tables, ABI lists (from its Makefiles) and prototype headers of this Linux source tree "
        "(DIR omitted: the one holding the working directory)",
    )
    where.add_argument(
        "--shipped",
        action="store_true",
        help="read the tables shipped with syscalltbl, even inside a project or a kernel tree",
    )
