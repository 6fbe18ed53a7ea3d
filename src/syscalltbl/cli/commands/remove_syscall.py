"""`syscalltbl remove-syscall NAME`: undo add-syscall: table lines, prototype and implementation file.

Exit status: 0 removed, 1 NAME is in no table.
"""

from __future__ import annotations

import argparse

from syscalltbl.cli.options import add_project_option

HELP = "remove a system call added with add-syscall (every table, its prototype and implementation)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME")
    add_project_option(parser, edits=True)


def run(args: argparse.Namespace) -> int:
    import sys

    from syscalltbl.build.addsyscall import plan_remove
    from syscalltbl.tables.target import resolve

    plan = plan_remove(resolve(args.project), args.name)
    sys.stdout.write(plan.diff())
    plan.apply()
    print(f"syscalltbl remove-syscall: {plan.summary}")
    return 0
