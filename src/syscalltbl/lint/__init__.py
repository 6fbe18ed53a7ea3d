"""`syscalltbl lint`: checks over syscall tables, their outputs, prototypes and sources.

The public API, for the CLI and for other commands that mark findings:

    inputs = load_project_inputs(project)      # or tree.load_tree_inputs(DIR), ...
    findings = run_lint(inputs)                # list[Finding], sorted by file and line

Heavy modules (networkx, the rules) are imported when run_lint runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.lint.findings import SEVERITIES, Finding, Severity

if TYPE_CHECKING:
    from collections.abc import Iterable

    from syscalltbl.lint.inputs import LintInputs

__all__ = ["SEVERITIES", "Finding", "Severity", "run_lint"]


def run_lint(inputs: LintInputs, rules: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the enabled `rules` (default: all) on `inputs`, sorted by location.

    Exceptions files are not applied here: see syscalltbl.lint.exceptions.
    """
    from syscalltbl.lint.engine import run

    return run(inputs, rules)
