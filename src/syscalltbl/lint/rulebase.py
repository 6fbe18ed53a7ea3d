"""What a lint rule is, and the registry the rule modules fill.

A rule is a stable ID, a default severity, a title, a one-paragraph rationale
(shown by `--list-rules` and docs/rules.md) and a check: a query over the
validation graph yielding findings. A finding may carry a milder severity than
its rule's default when the rule knows why (a prototype missing from headers
older than the tables is a note, not a warning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from syscalltbl.lint.findings import Finding, Severity
from syscalltbl.tables.model import Location

if TYPE_CHECKING:
    from syscalltbl.lint.graph import LintGraph

Check = Callable[["LintGraph"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    title: str
    rationale: str
    check: Check

    def finding(
        self, location: Location, message: str, severity: Severity | None = None, *, syscall: str = "", arch: str = ""
    ) -> Finding:
        return Finding(self.id, severity or self.severity, location, message, syscall, arch)


#: Rule ID -> rule, in catalogue order; filled by @rule as rule modules are imported.
REGISTRY: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, title: str, rationale: str) -> Callable[[Check], Rule]:
    """Register `check` as rule `rule_id`; the decorated name becomes the Rule."""

    def register(check: Check) -> Rule:
        if rule_id in REGISTRY:
            raise ValueError(f"duplicate rule ID {rule_id}")
        registered = Rule(rule_id, severity, title, " ".join(rationale.split()), check)
        REGISTRY[rule_id] = registered
        return registered

    return register
