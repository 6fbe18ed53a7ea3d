"""Errors a user can act on: each names where it happened and what was expected."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syscalltbl.tables.model import Location


class SyscalltblError(Exception):
    """A failure caused by input, reported as one line and a non-zero exit."""

    def __init__(self, message: str, location: Location | None = None, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.path = path

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: error: {self.message}"
        if self.path is not None:
            return f"{self.path}: error: {self.message}"
        return f"error: {self.message}"


class UsageError(SyscalltblError):
    """Wrong arguments: the caller, not the input, must change."""
