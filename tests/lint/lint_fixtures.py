"""Helpers and fixtures for the linter's tests (import them: there is one conftest.py, in tests/).

Fixtures are registered under their `name=`, so a test module imports
`arch_copy_fixture` and asks for `arch_copy`.

A fault is injected into a copy of the project's arch/ (tables, tables.toml,
abi-bases.toml), which is then linted in-process; tests assert the rule, the
file and the line of the finding.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from support import CORPUS, SHIPPED_ARCH
from syscalltbl.lint import Finding, run_lint
from syscalltbl.lint.inputs import LintInputs
from syscalltbl.lint.project_inputs import load_project_inputs
from syscalltbl.tables import project

ARCH = SHIPPED_ARCH

#: Kernel path -> file in arch/, for the tables the tests edit most.
X86_64 = "x86/entry/syscalls/syscall_64.tbl"
X86_32 = "x86/entry/syscalls/syscall_32.tbl"
GENERIC = "generic/syscall.tbl"


@pytest.fixture(name="arch_copy")
def arch_copy_fixture(tmp_path: Path) -> Path:
    """A private copy of the project's arch/ directory to inject faults into."""
    target = tmp_path / "arch"
    shutil.copytree(ARCH, target)
    return target


def lines_of(file: Path) -> list[str]:
    return file.read_text(encoding="utf-8").split("\n")


def line_number(file: Path, startswith: str) -> int:
    """1-based number of the first line starting with `startswith`."""
    for number, line in enumerate(lines_of(file), start=1):
        if line.startswith(startswith):
            return number
    raise AssertionError(f"no line of {file} starts with {startswith!r}")


def replace_line(file: Path, number: int, text: str) -> None:
    lines = lines_of(file)
    lines[number - 1] = text
    file.write_text("\n".join(lines), encoding="utf-8")


def insert_line(file: Path, after: int, text: str) -> int:
    """Insert `text` after line `after`; returns the new line's number."""
    lines = lines_of(file)
    lines.insert(after, text)
    file.write_text("\n".join(lines), encoding="utf-8")
    return after + 1


def append_line(file: Path, text: str) -> int:
    lines = lines_of(file)
    if lines and lines[-1] == "":
        lines.pop()
    lines.append(text)
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def last_number(file: Path) -> int:
    numbers = [int(line.split()[0]) for line in lines_of(file) if line[:1].isdigit()]
    return max(numbers)


def load(arch: Path, **extras: Path) -> LintInputs:
    return load_project_inputs(project.load(arch), **extras)


def lint(inputs: LintInputs, rules: Iterable[str] | None = None) -> list[Finding]:
    return run_lint(inputs, rules)


def lint_arch(arch: Path, rules: Iterable[str] | None = None, **extras: Path) -> list[Finding]:
    return lint(load(arch, **extras), rules)


def at(findings: list[Finding], rule: str, file: Path | str, line: int) -> list[Finding]:
    """Findings of `rule` at `file`:`line` (file compared by resolved path)."""
    wanted = Path(file).resolve()
    return [
        f for f in findings if f.rule == rule and f.location.line == line and Path(f.location.file).resolve() == wanted
    ]


def replace(inputs: LintInputs, **changes: object) -> LintInputs:
    return dataclasses.replace(inputs, **changes)  # type: ignore[arg-type]


def corpus_dir() -> Path:
    return CORPUS
