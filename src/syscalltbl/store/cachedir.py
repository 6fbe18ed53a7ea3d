"""The on-disk cache: `$XDG_CACHE_HOME/syscalltbl`, default `~/.cache/syscalltbl`."""

from __future__ import annotations

import os
from pathlib import Path


def root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "syscalltbl"


def path(name: str) -> Path:
    """A file in the cache; its directory exists afterwards."""
    directory = root()
    directory.mkdir(parents=True, exist_ok=True)
    return directory / name
