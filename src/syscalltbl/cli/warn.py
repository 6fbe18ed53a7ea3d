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
    return cause.report(f"syscalltbl {command}", "warning", f"{cause.message}; {consequence}")


def warn(command: str, cause: SyscalltblError, consequence: str) -> None:
    print(warning_line(command, cause, consequence), file=sys.stderr)
