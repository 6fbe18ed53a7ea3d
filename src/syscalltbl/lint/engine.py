"""Run the rules over the graph of the inputs."""

from __future__ import annotations

from collections.abc import Iterable

from syscalltbl.lint.findings import Finding
from syscalltbl.lint.inputs import LintInputs
from syscalltbl.tables.errors import UsageError


def run(inputs: LintInputs, rules: Iterable[str] | None = None) -> list[Finding]:
    from syscalltbl.lint.graph import build_graph
    from syscalltbl.lint.rules import RULES

    chosen = list(RULES) if rules is None else list(rules)
    unknown = [r for r in chosen if r not in RULES]
    if unknown:
        raise UsageError(f"unknown rule {', '.join(unknown)}: see `syscalltbl lint --list-rules`")
    graph = build_graph(inputs)
    findings: set[Finding] = set()
    for rule_id in chosen:
        findings.update(RULES[rule_id].check(graph))
    return sorted(findings, key=Finding.sort_key)
