"""What a lint rule reports: a Finding, pointing at one line of one file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from syscalltbl.tables.model import Location

Severity = Literal["error", "warning", "note"]

#: Most severe first; the order findings of one line are shown in.
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: which rule found it, how bad it is, where, and what to do."""

    rule: str
    severity: Severity
    location: Location
    message: str

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.location.file, self.location.line, self.location.column, self.rule, self.message)
