"""Lint as the CLI does, with the findings handed back as Diagnostic objects."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.api.model import Diagnostic

if TYPE_CHECKING:
    from syscalltbl.tables.project import Project


def diagnostics(project: Project, tree: Path | None, exceptions: bool) -> tuple[Diagnostic, ...]:
    """`syscalltbl lint` on `project`, or `lint --tree TREE` when it was read from a kernel tree;
    the exceptions file applied if `exceptions`."""
    from syscalltbl.lint import run_lint
    from syscalltbl.lint.exceptions import FILE_NAME, apply_exceptions, load_exceptions
    from syscalltbl.lint.project_inputs import load_project_inputs
    from syscalltbl.lint.rules import RULES
    from syscalltbl.lint.tree import load_tree_inputs
    from syscalltbl.tables import shipped

    inputs = load_tree_inputs(tree) if tree is not None else load_project_inputs(project)
    findings = run_lint(inputs)
    if exceptions:
        own = None if tree is not None else project.root / FILE_NAME
        file = own if own is not None and own.is_file() else shipped.arch() / FILE_NAME
        if file.is_file():
            findings = apply_exceptions(findings, load_exceptions(file, list(RULES))).kept
    return tuple(
        Diagnostic(f.rule, f.severity, f.message, f.location.file, f.location.line, f.location.column)
        for f in findings
    )
