"""The on-disk cache: `$XDG_CACHE_HOME/syscalltbl`, default `~/.cache/syscalltbl`.

A cache is never a reason to fail: when that directory cannot be created or
written (a read-only HOME, a CI user without one), this process uses a
private temporary directory instead, removed at exit. Only speed is lost.
"""

from __future__ import annotations

import os
from pathlib import Path

_chosen: dict[Path, Path] = {}


def preferred() -> Path:
    """Where the cache is meant to be; root() is elsewhere when this cannot be written."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "syscalltbl"


def root() -> Path:
    preferred_root = preferred()
    chosen = _chosen.get(preferred_root)
    if chosen is None:
        chosen = _chosen[preferred_root] = preferred_root if _writable(preferred_root) else _private()
    return chosen


def path(name: str) -> Path:
    """A file in the cache; its directory exists afterwards."""
    directory = root()
    directory.mkdir(parents=True, exist_ok=True)
    return directory / name


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True)
    except FileExistsError:
        pass
    except OSError:
        return False
    else:
        # A cache this process made holds nothing: its size ledger starts at 0, so that the
        # cache's bound is known without the scan a ledger-less cache needs (store.cachebound).
        from syscalltbl.store.cachesize import ledger

        ledger(directory, set_to=0)
    return os.access(directory, os.W_OK | os.X_OK)


def _private() -> Path:
    # Imported here: the fallback is rare, and tempfile and shutil cost every start-up a few milliseconds.
    import atexit
    import shutil
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="syscalltbl-cache-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory
