"""ruff and strict mypy, run directly on the source tree: src/ is the package as installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import REPO

OWN_CODE = ("src", "tests", "benchmarks", "examples", "conformance")


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def test_ruff_is_clean() -> None:
    proc = subprocess.run([_tool("ruff"), "check", *OWN_CODE], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    proc = subprocess.run(
        [_tool("mypy"), "--config-file", "pyproject.toml", "--cache-dir", str(tmp_path / "cache"), *OWN_CODE],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
