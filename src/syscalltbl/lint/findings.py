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
    #: What the finding is about, when the rule knows and the location alone does not say:
    #: XAR002's missing clone3 on sh points at a comment, but concerns the cell (clone3, sh).
    syscall: str = ""
    arch: str = ""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.location.file, self.location.line, self.location.column, self.rule, self.message)
