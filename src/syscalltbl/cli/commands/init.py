"""`syscalltbl init DIR`: a new project: the shipped tables in DIR/arch, implementations in DIR/syscalls.

Every file is written through an atomic rename, or none is (a path that
cannot be written leaves nothing behind).

Exit status: 0 created, 1 DIR already holds a project or cannot be written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "make a new project: arch/ (tables, prototypes) and syscalls/ (your implementations)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, metavar="DIR", help="where to create the project")


def run(args: argparse.Namespace) -> int:
    from syscalltbl.build.addsyscall import init_project

    for created in init_project(args.directory):
        print(f"created {created}")
    print(f"next: syscalltbl add-syscall NAME --params '...' -C {args.directory}")
    return 0
