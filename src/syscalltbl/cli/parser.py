"""The command line's argparse parser: `syscalltbl` and its subcommands, built for the one being run.

cli/main.py imports it for every command line but a plain `run PROGRAM [ARG...]`
(with at most --env-clear, --env, --cwd and --root: commands/run.py's plain_arguments),
whose start-up argparse would cost a tenth.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

from syscalltbl.cli.commands import selected
from syscalltbl.cli.options import add_tables_options


class _Parser(argparse.ArgumentParser):
    """argparse, except that a failed write of --help or of a usage message is an error, not ignored."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            (file or sys.stderr).write(message)


class _CommandParser(_Parser):
    """A subcommand's parser: arguments it does not know are its usage error, not the top level's.

    argparse hands a subparser's leftovers up to `syscalltbl`'s own parser,
    which would print the top-level usage for `syscalltbl build --nosuch`.
    """

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line's parser; for `build` (`command`), without the other subcommands'
    parsers, whose modules a build would import for nothing (a warm build's largest cost); for
    another subcommand, without the parsers of the others, which argparse would build for nothing
    (a third of the parser's cost in `run`'s start-up): the subcommand's own parser parses its
    arguments and reports their usage errors."""
    parser = _Parser(
        prog="syscalltbl",
        description="Parse Linux syscall tables and generate what the kernel build generates from them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_CommandParser)
    build = commands.add_parser(
        "build",
        help="regenerate every output named in arch/",
        description="Regenerate every output that arch/tables.toml names (the kernel build's headers and tables, "
        "and the emulated machine's sources) under the output directory; an output is only rewritten when "
        "its bytes change.",
    )
    build.add_argument(
        "-o", "--outdir", default="build", type=Path, help="output directory (default: build, also with --tree)"
    )
    build.add_argument(
        "--arch", action="append", metavar="NAME", help="only this architecture's outputs (repeatable)"
    )
    build.add_argument("-v", "--verbose", action="store_true", help="name every file written")
    build.add_argument("--explain", action="store_true", help="say which outputs were rebuilt or kept, and why")
    build.add_argument(
        "--group",
        action="append",
        choices=("kernel", "runtime"),
        help="only this output group (repeatable): kernel = the kernel build's outputs, "
        "runtime = the emulated x86-64 machine's sources (default: both)",
    )
    add_tables_options(build)
    extra = selected(command) if command != "build" else {}
    for name, module in extra.items():
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(sub)
    commands.add_parser(
        "script",
        help="run as a drop-in for a kernel script: TOOL ARG...",
        description="TOOL is one of syscalltbl, syscallhdr, arm-syscallnr, mips-syscallnr, s390-syscalltbl; "
        "ARG... are exactly the kernel script's arguments.",
    )
    return parser
