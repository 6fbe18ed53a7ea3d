"""`syscalltbl add-syscall NAME --params "..."`: wire up a new system call, as a kernel patch would.

Adds the table entry at the next free number (or one number on every
architecture with --all-arches), the prototype and an implementation file
that returns -ENOSYS, records them in arch/added-syscalls.toml (what
remove-syscall removes), and prints the change as a unified diff once it is
written. It refuses, changing nothing, when the name exists, the parameters
do not parse or the lint would report an error; a file it cannot write (a
read-only project, a file where syscalls/ should be) changes nothing either:
every file is written, through atomic renames, or none is.

Exit status: 0 added, 1 refused or not written.
"""

from __future__ import annotations

import argparse

from syscalltbl.cli.options import add_project_option

HELP = "add a system call: table entry, prototype and a Python implementation to fill in"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the syscall's name (sys_NAME is its entry point)")
    parser.add_argument("--params", default="void", help='C parameters, e.g. "int a, const char __user *buf"')
    parser.add_argument("--compat", action="store_true", help="also a compat entry point where a table takes one")
    # x32 is accepted here only to be refused with the table's own rule.
    parser.add_argument("--abi", default="common", choices=("common", "64", "x32"), help="x86-64 ABI column")
    parser.add_argument("--all-arches", action="store_true", help="every architecture's table, one number")
    add_project_option(parser, edits=True)


def run(args: argparse.Namespace) -> int:
    import sys

    from syscalltbl.build.addsyscall import Request, plan_add
    from syscalltbl.tables.target import resolve

    params = "" if args.params.strip() == "void" else args.params
    plan = plan_add(resolve(args.project), Request(args.name, params, args.compat, args.abi, args.all_arches))
    plan.apply()
    sys.stdout.write(plan.diff())
    print(f"syscalltbl add-syscall: {plan.summary}")
    return 0
