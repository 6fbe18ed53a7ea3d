"""What the tests share besides fixtures: the checkout's paths, the corpus, and the installed CLI.

Tests import these (`from support import REPO`); tests/conftest.py holds only
fixtures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
#: The kernel tables shipped as package data (syscalltbl.tables.shipped.arch()).
SHIPPED_ARCH = REPO / "src" / "syscalltbl" / "tables" / "arch"
CORPUS = REPO.parent / "shared" / "corpus" / "linux-6.18.2"


def manifest() -> list[dict[str, Any]]:
    with open(CORPUS / "manifest.json", encoding="utf-8") as handle:
        entries: list[dict[str, Any]] = json.load(handle)
    return entries


def corpus_table(kernel_path: str) -> Path:
    """A corpus table, following the symlinks the corpus stores as text."""
    path = CORPUS / kernel_path
    if kernel_path == "arch/arm64/tools/syscall_64.tbl":
        return CORPUS / "scripts" / "syscall.tbl"
    return path


@dataclass(frozen=True)
class Cli:
    """The installed `syscalltbl` console script, run as a real process."""

    executable: str
    env: dict[str, str]

    def run(
        self, *args: str | os.PathLike[str], cwd: Path | None = None, stdin: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [self.executable, *map(str, args)],
            cwd=cwd,
            input=stdin if stdin is not None else b"",
            capture_output=True,
            env=self.env,
            check=False,
        )


def console_script() -> str:
    candidate = Path(sys.executable).parent / "syscalltbl"
    found = str(candidate) if candidate.exists() else shutil.which("syscalltbl")
    if not found:
        pytest.fail("the syscalltbl console script is not installed: run the README's test command")
    return found


def run_with_importtime(
    cli: Cli, *args: str | os.PathLike[str], cwd: Path
) -> tuple[subprocess.CompletedProcess[bytes], set[str]]:
    """The console script run under `python -X importtime`, and the modules it imported."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", console_script(), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        env=cli.env,
        check=False,
    )
    lines = proc.stderr.decode().splitlines()
    modules = {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}
    return proc, modules
