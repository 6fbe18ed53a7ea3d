"""Subcommands beyond `build` and `script`, one module each.

Each module named in COMMANDS defines:

    HELP: str                                   one line for `syscalltbl --help`
    def configure(parser: argparse.ArgumentParser) -> None
    def run(args: argparse.Namespace) -> int    0 ok, 1 failure, 2 usage

and keeps its top-level imports light (argparse, typing): `syscalltbl --help`
imports every one of them, so heavy work is imported inside `run`.
"""

from __future__ import annotations

from types import ModuleType

from syscalltbl.cli.commands import (
    add_device,
    add_syscall,
    cache,
    compat,
    export,
    fuzz,
    init,
    lint,
    remove_syscall,
    run,
    show,
)

#: subcommand name -> its module, in `syscalltbl --help` order
COMMANDS: dict[str, ModuleType] = {
    "lint": lint,
    "show": show,
    "export": export,
    "compat": compat,
    "run": run,
    "fuzz": fuzz,
    "init": init,
    "add-syscall": add_syscall,
    "remove-syscall": remove_syscall,
    "add-device": add_device,
    "cache": cache,
}
