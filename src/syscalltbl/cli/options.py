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
