"""Findings as SARIF 2.1.0, the format GitHub code scanning uploads (github/codeql-action/upload-sarif).

What code scanning needs beyond the schema: every result's ruleId is one of
tool.driver.rules (which carry the catalogue's descriptions and help text),
locations are artifact URIs relative to the repository root (uriBaseId
%SRCROOT%), regions are 1-based, and partialFingerprints keep an alert
identified across runs although line numbers move.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from syscalltbl.lint.findings import Finding
from syscalltbl.lint.rulebase import Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

#: SARIF's result levels use the same three words as our severities.
_LEVEL = {"error": "error", "warning": "warning", "note": "note"}


def _uri(file: str, root: Path) -> str:
    """A relative, '/'-separated URI when the file lies under `root`, else a file: URI."""
    path = Path(file)
    absolute = path if path.is_absolute() else (Path.cwd() / path)
    try:
        return PurePosixPath(absolute.resolve().relative_to(root.resolve())).as_posix()
    except ValueError:
        return absolute.resolve().as_uri()


def _fingerprint(finding: Finding, uri: str, line_text: str | None) -> str:
    # The rule, the file and the line's text (not its number) identify a finding across edits.
    basis = "\0".join((finding.rule, uri, (line_text or finding.message).strip()))
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def _rule_descriptor(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.title.replace("_", " ").split() if word.isalnum()),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.rationale, "markdown": f"**{rule.id}: {rule.title}**\n\n{rule.rationale}"},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["syscall-table"]},
    }


def to_sarif(
    findings: Sequence[Finding],
    rules: dict[str, Rule],
    root: Path,
    version: str,
    line_text: dict[tuple[str, int], str] | None = None,
) -> dict[str, object]:
    """The SARIF log of one run; `root` is the repository root URIs are relative to."""
    texts = line_text or {}
    used = list(rules)  # the whole catalogue, so that code scanning can show any rule's help
    index = {rule_id: i for i, rule_id in enumerate(used)}
    results = []
    for finding in findings:
        uri = _uri(finding.location.file, root)
        region: dict[str, object] = {"startLine": max(finding.location.line, 1)}
        if finding.location.column >= 1:
            region["startColumn"] = finding.location.column
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "level": _LEVEL[finding.severity],
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {
                    "syscalltblLineHash/v1": _fingerprint(
                        finding, uri, texts.get((finding.location.file, finding.location.line))
                    )
                },
            }
        )
    driver: dict[str, object] = {
        "name": "syscalltbl-lint",
        "semanticVersion": version,
        "version": version,
        "rules": [_rule_descriptor(rules[r]) for r in used],
    }
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def format_sarif(
    findings: Sequence[Finding],
    rules: dict[str, Rule],
    root: Path,
    version: str,
    line_text: dict[tuple[str, int], str] | None = None,
) -> str:
    return json.dumps(to_sarif(findings, rules, root, version, line_text), indent=2) + "\n"
