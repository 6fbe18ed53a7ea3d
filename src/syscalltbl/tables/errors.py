"""Errors a user can act on: each names where it happened and what was expected.

One convention for every command (README, "Exit status"): an error at a
position in a file is `FILE:LINE:COLUMN: error: MESSAGE`, as a compiler
prints it; any other is `syscalltbl COMMAND: error: MESSAGE`, with the file's
path first in MESSAGE when there is one (`syscalltbl COMMAND: error: PATH: ...`).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing: the warm `syscalltbl script` path imports this module

if TYPE_CHECKING:
    from syscalltbl.tables.model import Location

#: the prefix of a line from no particular command (a library caller's str())
PROGRAM = "syscalltbl"


def diagnostic_line(command: str, kind: str, message: str) -> str:
    """`syscalltbl COMMAND: KIND: MESSAGE` (error, warning or note) for what has no position in a file."""
    return f"{command}: {kind}: {message}"


def error_line(command: str, message: str) -> str:
    """`syscalltbl COMMAND: error: MESSAGE`: an error with no position in a file."""
    return diagnostic_line(command, "error", message)


def warning_line(command: str, message: str) -> str:
    """`syscalltbl COMMAND: warning: MESSAGE`: a warning with no position in a file."""
    return diagnostic_line(command, "warning", message)


class SyscalltblError(Exception):
    """A failure caused by input, reported as one line and a non-zero exit."""

    def __init__(self, message: str, location: Location | None = None, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.path = path

    def report(self, command: str = PROGRAM, kind: str = "error", message: str | None = None) -> str:
        """The error's line as `command` (say "syscalltbl build") prints it; a command that works
        around the error reports it as a `warning`, with a `message` that says what that costs."""
        message = self.message if message is None else message
        if self.location is not None:
            return f"{self.location}: {kind}: {message}"
        if self.path is not None:
            return diagnostic_line(command, kind, f"{self.path}: {message}")
        return diagnostic_line(command, kind, message)

    def __str__(self) -> str:
        return self.report()


class UsageError(SyscalltblError):
    """Wrong arguments: the caller, not the input, must change.

    `usage`, when given, is the synopsis printed before the error line, as
    argparse prints a subcommand's usage.
    """

    def __init__(
        self, message: str, location: Location | None = None, *, path: str | None = None, usage: str | None = None
    ) -> None:
        super().__init__(message, location, path=path)
        self.usage = usage
