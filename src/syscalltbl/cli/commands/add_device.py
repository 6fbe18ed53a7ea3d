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
        "--type", dest="magic", metavar="MAGIC", type=_number,
        help="ioctl type byte (default: the name's first letter)",
    )
    add_project_option(parser, edits=True)


def _number(value: str) -> int:
    """An integer as Python writes one (42, 0x2a, 0o52), said so when it is not (argparse would name a lambda)."""
    try:
        return int(value, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r} (expected one such as 42 or 0x2a)") from None


def run(args: argparse.Namespace) -> int:
    import sys

    from syscalltbl.build.adddevice import plan_add_device
    from syscalltbl.tables.target import resolve

    plan = plan_add_device(resolve(args.project), args.name, args.magic)
    plan.apply()
    sys.stdout.write(plan.diff())
    print(f"syscalltbl add-device: {plan.summary}")
    return 0
