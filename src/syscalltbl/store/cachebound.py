"""The cache's size bound: what it is, recording each use and each write, and trimming at exit.

The bound is $SYSCALLTBL_CACHE_MAX (default 256 MiB). Using an entry sets its
mtime (`used`), so the mtime is the time of last use; atime is not relied on
(noatime and relatime mounts). The cache's size is kept in a ledger (`.size`,
one number) that each write adds to (`added`). Only when that sum is over the
bound is the cache scanned, once, when the process exits: store.cacheevict
removes the least recently used entries until it holds at most 80% of the
bound, and the ledger is set to what the scan found (which also corrects the
sum: overwrites, entries deleted by hand). So a scan happens about once per
fifth of the bound written; a no-op build writes nothing to the cache and a
warm one only its build record.

Imported by every cache lookup, so it imports little: the scan and the
eviction are in store.cacheevict.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from pathlib import Path

from syscalltbl.store import cachedir
from syscalltbl.store.cachesize import blocks, disk_usage, ledger

#: the environment variable that sets the bound: bytes, or with a K, M or G suffix (KiB, MiB, GiB); 0: none
ENV = "SYSCALLTBL_CACHE_MAX"
DEFAULT_BOUND = 256 * 1024 * 1024

_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_to_trim: list[Path] = []  # the caches this process took over their bound, trimmed when it exits
_exit_registered = False


def parse_size(text: str) -> int:
    """`256M`, `64MiB`, `1g`, `1048576` -> bytes; ValueError for anything else."""
    spec = text.strip().lower()
    if spec.endswith("ib") and len(spec) > 2 and spec[-3] in "kmgt":
        spec = spec[:-2]
    elif spec.endswith("b"):
        spec = spec[:-1]
    unit = spec[-1:] if spec[-1:] in ("k", "m", "g", "t") else ""
    digits = spec[: len(spec) - len(unit)].rstrip()
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"{ENV}={text!r} is not a size (bytes, or a number with K, M or G: 256M)")
    return int(digits) * _UNITS[unit]


def bound() -> int | None:
    """The bound in bytes from $SYSCALLTBL_CACHE_MAX (default 256 MiB); None when it is 0 (no bound)."""
    text = os.environ.get(ENV, "")
    limit = parse_size(text) if text.strip() else DEFAULT_BOUND
    return limit or None


def describe_size(size: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size // scale} {unit}" if size % scale == 0 else f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def used(path: Path) -> None:
    """Record a use of the entry at `path` (a file or a directory): it becomes the most recently used."""
    with contextlib.suppress(OSError):  # a read-only cache still serves; it just cannot be ordered
        os.utime(path)


def added(*paths: Path) -> None:
    """This process wrote the entries at `paths` (files or directories): they are counted in the ledger
    at once (a forked worker that ends with os._exit counts too); if the cache is now over its bound,
    it is trimmed when this process exits."""
    global _exit_registered
    if not _exit_registered:
        _exit_registered = True
        atexit.register(_at_exit)
    try:
        limit = bound()
    except ValueError:
        return  # said once, at exit
    sizes = []
    for path in paths:
        try:
            sizes.append(disk_usage(str(path)) if path.is_dir() else blocks(os.stat(path)))
        except OSError:
            continue  # gone already (another process trimmed the cache): nothing to count
    if not sizes:
        return
    size = sum(sizes)
    # The root now, not at exit: $XDG_CACHE_HOME may change in between (a test harness).
    root = cachedir.root()
    estimate = ledger(root, add=size)
    if limit is not None and (estimate is None or estimate > limit) and root not in _to_trim:
        _to_trim.append(root)


def _at_exit() -> None:
    try:
        limit = bound()
    except ValueError as exc:
        print(f"{_command()}: warning: {exc}; the cache is not trimmed", file=sys.stderr)
        return
    if limit is None or not _to_trim:
        return
    from syscalltbl.store import cacheevict

    for root in _to_trim:
        with contextlib.suppress(OSError):
            cacheevict.trim(root, limit)


def _command() -> str:
    """`syscalltbl COMMAND`, as the error convention names the command that warns."""
    argv = sys.argv[1:2]
    return f"syscalltbl {argv[0]}" if argv and not argv[0].startswith("-") else "syscalltbl"
