"""The on-disk cache: `$XDG_CACHE_HOME/syscalltbl`, default `~/.cache/syscalltbl`.

A cache is never a reason to fail: when that directory cannot be created or
written (a read-only HOME, a CI user without one), this process uses a
private temporary directory instead, removed at exit. Only speed is lost.
"""

from __future__ import annotations

import os
from pathlib import Path

_chosen: dict[Path, Path] = {}


def root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    preferred = Path(base) / "syscalltbl"
    chosen = _chosen.get(preferred)
    if chosen is None:
        chosen = _chosen[preferred] = preferred if _writable(preferred) else _private()
    return chosen


def path(name: str) -> Path:
    """A file in the cache; its directory exists afterwards."""
    directory = root()
    directory.mkdir(parents=True, exist_ok=True)
    return directory / name


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def _private() -> Path:
    import atexit  # here, not at the top: shutil imports bz2 and lzma, and most processes never get here
    import shutil
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="syscalltbl-cache-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory
