"""`syscalltbl compat [--format md|json|html] [--results FILE] [-o FILE]`: the machine's syscall compatibility table.

Every entry of the x86-64 table with its status on the emulated machine (implemented, partial with what is
missing, ENOSYS by design with why, ENOSYS) and the LTP tests of it with their results, from a result of
conformance/ltp.py (default: the checkout's conformance/ltp-results.json). docs/compat.md is
`syscalltbl compat --format md -o docs/compat.md`. The table is built in syscalltbl.export.compat.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "list every x86-64 syscall with its status on the machine and its LTP tests' results (md, JSON or HTML)"

FORMATS = ("md", "json", "html")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="md", help="output format (default: md)")
    parser.add_argument("--results", type=Path, metavar="FILE",
                        help="an LTP result of conformance/ltp.py, full or reduced by --compat-out "
                        "(default: conformance/ltp-results.json in the checkout)")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of standard output")


def run(args: argparse.Namespace) -> int:
    from syscalltbl.export.compat import DEFAULT_RESULTS, machine_compat
    from syscalltbl.export.compat_render import RENDERERS
    from syscalltbl.tables.errors import SyscalltblError

    if args.output is not None and not args.output.parent.is_dir():
        raise SyscalltblError("output directory does not exist", path=str(args.output.parent))
    text = RENDERERS[args.format](machine_compat(args.results or DEFAULT_RESULTS))
    if args.output is None:
        sys.stdout.write(text)
        return 0
    from syscalltbl.store import atomic

    atomic.write_if_changed(args.output, text.encode("utf-8"))
    return 0
