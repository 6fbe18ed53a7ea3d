"""Shared fixtures: the corpus, the installed CLI, and an isolated cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
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


def _console_script() -> str:
    candidate = Path(sys.executable).parent / "syscalltbl"
    found = str(candidate) if candidate.exists() else shutil.which("syscalltbl")
    if not found:
        pytest.fail("the syscalltbl console script is not installed: run the README's test command")
    return found


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test, in-process or not, caches under a temporary directory, never the user's."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    yield cache
    if saved is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = saved


@pytest.fixture(scope="session")
def cli(session_cache: Path) -> Cli:
    env = dict(os.environ, XDG_CACHE_HOME=str(session_cache), LC_ALL="C")
    return Cli(_console_script(), env)


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache for this test, in-process and for child processes."""
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    from syscalltbl.generators.generate import code_fingerprint
    from syscalltbl.tables.read import parser_fingerprint

    code_fingerprint.cache_clear()
    parser_fingerprint.cache_clear()
    yield cache


@pytest.fixture
def fresh_cli(fresh_cache: Path) -> Cli:
    env = dict(os.environ, XDG_CACHE_HOME=str(fresh_cache), LC_ALL="C")
    return Cli(_console_script(), env)
