"""`syscalltbl remove-syscall NAME`: undo add-syscall: table lines, prototype and implementation file.

Removes what arch/added-syscalls.toml records add-syscall added for NAME, in
one transaction, and prints the diff once it is written. A kernel system
call is refused. An implementation edited since add-syscall wrote it is
kept, with a line saying so, unless --force. A name the record lacks (every
name, in a project made before the record) is refused unless --force, which
removes every table line named NAME, its prototype and syscalls/NAME.py.

Exit status: 0 removed, 1 refused or not written.
"""

from __future__ import annotations

import argparse

from syscalltbl.cli.options import add_project_option

HELP = "remove a system call added with add-syscall (every table, its prototype and implementation)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME")
    parser.add_argument(
        "--force",
        action="store_true",
        help="also remove an edited implementation, and a syscall the project's record lacks (never a kernel one)",
    )
    add_project_option(parser, edits=True)


def run(args: argparse.Namespace) -> int:
    import sys

    from syscalltbl.build.removesyscall import plan_remove
    from syscalltbl.tables.errors import warning_line
    from syscalltbl.tables.target import resolve

    plan = plan_remove(resolve(args.project), args.name, args.force)
    plan.apply()
    sys.stdout.write(plan.diff())
    print(f"syscalltbl remove-syscall: {plan.summary}")
    for note in plan.notes:
        print(warning_line("syscalltbl remove-syscall", note), file=sys.stderr)
    return 0
