"""Bytes on disk of cache entries, and the ledger that keeps the cache's total between scans.

The ledger (`.size` in the cache, one number under flock) is what each write adds
to (store.cachebound) and what a scan sets to the total it found
(store.cacheevict), so that knowing whether the cache is over its bound costs
one small read, not a scan.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LEDGER = ".size"


def ledger(root: Path, *, add: int = 0, set_to: int | None = None) -> int | None:
    """The ledger's sum after adding `add` (or setting it to `set_to`); None when there is none yet
    (a new cache, or one older than the ledger): then only a scan knows."""
    try:
        fd = os.open(root / LEDGER, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held for one read and one write
        text = os.read(fd, 64).decode("ascii", "replace").strip()
        total = int(text) + add if text.isdigit() else None
        if set_to is not None:
            total = set_to
        if total is not None:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{total}\n".encode(), 0)
        return total
    except OSError:
        return None
    finally:
        os.close(fd)


def disk_usage(directory: str) -> int:
    """Bytes on disk of a directory and all it holds."""
    total = blocks(os.stat(directory))
    for base, dirs, files in os.walk(directory):
        for name in dirs + files:
            with contextlib.suppress(OSError):
                total += blocks(os.lstat(os.path.join(base, name)))
    return total


def blocks(info: os.stat_result) -> int:
    """Bytes on disk of one file."""
    # What `du` counts, but never less than the length: a file system that keeps small files
    # inline in its metadata (btrfs) reports no blocks for them.
    return max(info.st_blocks * 512, info.st_size)
