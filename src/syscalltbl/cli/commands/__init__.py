"""Subcommands beyond `build` and `script`, one module each.

Each module named in _LOADERS defines:

    HELP: str                                   one line for `syscalltbl --help`
    def configure(parser: argparse.ArgumentParser) -> None
    def run(args: argparse.Namespace) -> int    0 ok, 1 failure, 2 usage

and keeps its top-level imports light (argparse, typing): `syscalltbl --help`
imports every one of them, so heavy work is imported inside `run`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from types import ModuleType

#: subcommand name -> the import of its module, in `syscalltbl --help` order. A command imports its own
#: module alone (`run`'s start-up paid 1-2 ms for the other ten); --help imports them all. (Literal names:
#: the layering test reads every import, tests/layers.py.)
_LOADERS: dict[str, Callable[[], ModuleType]] = {
    "lint": lambda: import_module("syscalltbl.cli.commands.lint"),
    "show": lambda: import_module("syscalltbl.cli.commands.show"),
    "export": lambda: import_module("syscalltbl.cli.commands.export"),
    "compat": lambda: import_module("syscalltbl.cli.commands.compat"),
    "run": lambda: import_module("syscalltbl.cli.commands.run"),
    "fuzz": lambda: import_module("syscalltbl.cli.commands.fuzz"),
    "init": lambda: import_module("syscalltbl.cli.commands.init"),
    "add-syscall": lambda: import_module("syscalltbl.cli.commands.add_syscall"),
    "remove-syscall": lambda: import_module("syscalltbl.cli.commands.remove_syscall"),
    "add-device": lambda: import_module("syscalltbl.cli.commands.add_device"),
    "cache": lambda: import_module("syscalltbl.cli.commands.cache"),
}
NAMES = tuple(_LOADERS)


def command(name: str) -> ModuleType:
    """The module of subcommand `name` (one of NAMES)."""
    return _LOADERS[name]()


def all_commands() -> dict[str, ModuleType]:
    """Every subcommand's module, in `syscalltbl --help` order."""
    return {name: load() for name, load in _LOADERS.items()}


def selected(command: str | None) -> dict[str, ModuleType]:
    """`command`'s module alone when it is one of NAMES (the subcommands beyond build and script), else all."""
    return {command: _LOADERS[command]()} if command in NAMES else all_commands()
