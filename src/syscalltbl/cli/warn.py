"""Warnings on stderr, in the error convention's forms: `FILE:LINE:COL: warning: MESSAGE` when
the cause has a position, else `syscalltbl COMMAND: warning: [PATH: ]MESSAGE`, as errors
are printed (tables/errors.py). A warning never changes the exit status."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syscalltbl.tables.errors import SyscalltblError


def warning_line(command: str, cause: SyscalltblError, consequence: str) -> str:
    """One line for `cause` (an error that the command works around), then what that costs."""
    message = f"{cause.message}; {consequence}"
    if cause.location is not None:
        return f"{cause.location}: warning: {message}"
    from syscalltbl.tables.errors import warning_line as unplaced

    where = f"{cause.path}: " if cause.path is not None else ""
    return unplaced(f"syscalltbl {command}", f"{where}{message}")


def warn(command: str, cause: SyscalltblError, consequence: str) -> None:
    print(warning_line(command, cause, consequence), file=sys.stderr)
