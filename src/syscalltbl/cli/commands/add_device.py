"""`syscalltbl add-device NAME`: a character device in the machine's /dev, its driver in Python.

Writes devices/NAME.py (read, write, ioctl) and devices/NAME.h (the ioctl
commands for C programs), both or neither, and prints them as a diff once
they are written. Refuses, changing nothing, a name that exists.

Exit status: 0 added, 1 refused or not written.
"""

from __future__ import annotations

import argparse

from syscalltbl.cli.options import add_project_option

HELP = "add a character device /dev/NAME whose driver (read, write, ioctl) is Python in devices/NAME.py"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the device's name in /dev")
    parser.add_argument(
        "--type", dest="magic", type=lambda v: int(v, 0), help="ioctl type byte (default: the name's first letter)"
    )
    add_project_option(parser, edits=True)


def run(args: argparse.Namespace) -> int:
    import sys

    from syscalltbl.build.adddevice import plan_add_device
    from syscalltbl.tables.target import resolve

    plan = plan_add_device(resolve(args.project), args.name, args.magic)
    plan.apply()
    sys.stdout.write(plan.diff())
    print(f"syscalltbl add-device: {plan.summary}")
    return 0
