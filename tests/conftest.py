"""Fixtures: an isolated cache, and the installed CLI run against it (shared helpers are in tests/support)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Cli, console_script


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
    return Cli(console_script(), env)


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty cache for this test, in-process and for child processes."""
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    from syscalltbl.generators.generate import code_fingerprint
    from syscalltbl.tables.read import parser_fingerprint, prototype_parser_fingerprint

    code_fingerprint.cache_clear()
    parser_fingerprint.cache_clear()
    prototype_parser_fingerprint.cache_clear()
    yield cache


@pytest.fixture
def fresh_cli(fresh_cache: Path) -> Cli:
    env = dict(os.environ, XDG_CACHE_HOME=str(fresh_cache), LC_ALL="C")
    return Cli(console_script(), env)
