"""The cache's size bound: what it holds, least-recently-used eviction, and clearing it.

An entry is one unit that is used and removed whole: a file of the
content-addressed cache (`KIND/xx/KEY`), a build record (`builds/NAME.json`
with its lock), a directory of assembled images (`x86_64-images/NAME`), a
parser-table file at the top. Using an entry sets its mtime (`used`), so
the mtime is the time of last use; atime is not relied on (noatime and
relatime mounts). Sizes are disk usage, as `du` counts them (at least the length).

The cache's size is kept in a ledger (`.size`, one number) that each write
adds to. Only when that sum is over the bound is the cache scanned, once, when
the process exits: the least recently used entries go first until it holds at
most LOW_WATER of the bound, and the ledger is set to what the scan found (which
also corrects the sum: overwrites, entries deleted by hand). So a scan happens
about once per fifth of the bound written; a no-op build writes nothing to the
cache and a warm one only its build record.

Eviction is safe for other processes: a file is unlinked (a reader that has it
open keeps reading; one that comes later misses and rebuilds); an entry used
after the scan chose it stays; a build record goes only while its lock is free;
a directory is renamed away in one step, then deleted, and only once unused for
GRACE_DIR seconds, since a process that looked it up may still be about to read
it. Files and directories being written (dot or `tmp` names) are left alone
until they are STALE_TEMP seconds old: then they are a crashed writer's
leftovers.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import itertools
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from syscalltbl.store import cachedir

#: the environment variable that sets the bound: bytes, or with a K, M or G suffix (KiB, MiB, GiB); 0: none
ENV = "SYSCALLTBL_CACHE_MAX"
DEFAULT_BOUND = 256 * 1024 * 1024
#: a directory used this recently is never evicted (a process may hold its path)
GRACE_DIR = 600.0
#: a temporary file or directory this old is a crashed writer's, not one being written
STALE_TEMP = 3600.0
#: a cache over its bound is trimmed to this share of it, so that the next scan is a fifth of the bound away
LOW_WATER = 0.8

_SIZE = re.compile(r"\s*(\d+)\s*(?:([kmgt])(?:i?b)?|b)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_FANOUT = re.compile(r"[0-9a-f]{2}")
_TRIM_LOCK = ".trim.lock"
_LEDGER = ".size"
_OWN_FILES = frozenset({_TRIM_LOCK, _LEDGER})
_counter = itertools.count()
_to_trim: list[Path] = []  # the caches this process took over their bound, trimmed when it exits
_exit_registered = False


@dataclass(frozen=True)
class Entry:
    path: str  # str, not Path: a scan makes thousands
    group: str  # what holds it: the top-level directory's name, or the file's own at the top
    size: int  # bytes on disk, its lock included
    used: float  # time of last use (mtime)
    is_dir: bool
    lock: str | None = None  # a lock file a user of the entry holds; removed with it


def parse_size(text: str) -> int:
    """`256M`, `64MiB`, `1g`, `1048576` -> bytes; ValueError for anything else."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(f"{ENV}={text!r} is not a size (bytes, or a number with K, M or G: 256M)")
    number, unit = int(match.group(1)), (match.group(2) or "").lower()
    return number * _UNITS[unit]


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


def added(path: Path) -> None:
    """This process wrote the entry at `path` (a file or a directory): it is counted in the ledger at once
    (a forked worker that ends with os._exit counts too); if the cache is now over its bound, it is
    trimmed when this process exits."""
    global _exit_registered
    if not _exit_registered:
        _exit_registered = True
        atexit.register(_at_exit)
    try:
        limit = bound()
    except ValueError:
        return  # said once, at exit
    try:
        size = _disk_usage(str(path)) if path.is_dir() else _blocks(os.stat(path))
    except OSError:
        return
    # The root now, not at exit: $XDG_CACHE_HOME may change in between (a test harness).
    root = cachedir.root()
    estimate = _ledger(root, add=size)
    if limit is not None and (estimate is None or estimate > limit) and root not in _to_trim:
        _to_trim.append(root)


def entries(root: Path, now: float | None = None) -> list[Entry]:
    """Every entry under `root`, files being written left out."""
    now = time.time() if now is None else now
    found: list[Entry] = []
    for top in _children(root):
        if top.name in _OWN_FILES or (top.name.startswith(".") and not _stale(top, now)):
            continue
        if not top.is_dir(follow_symlinks=False):
            found.extend(_file_entries([top], top.name, now))
            continue
        inner = list(_children(top.path))
        fanouts = [d for d in inner if _FANOUT.fullmatch(d.name) and d.is_dir(follow_symlinks=False)]
        for fanout in fanouts:
            found.extend(_file_entries(list(_children(fanout.path)), top.name, now))
        rest = [d for d in inner if d not in fanouts]
        found.extend(_file_entries([d for d in rest if not d.is_dir(follow_symlinks=False)], top.name, now))
        for directory in (d for d in rest if d.is_dir(follow_symlinks=False)):
            if directory.name.startswith((".", "tmp")) and not _stale(directory, now):
                continue
            with contextlib.suppress(OSError):
                size = _disk_usage(directory.path)
                found.append(Entry(directory.path, top.name, size, directory.stat().st_mtime, True))
    return found


def trim(root: Path, limit: int, now: float | None = None) -> list[Entry]:
    """If `root` holds more than `limit` bytes, remove the least recently used entries until it holds at
    most LOW_WATER of it; the entries removed. The ledger is set to the size found.

    One trimmer at a time: when another process is trimming, this one leaves it to that one.
    """
    now = time.time() if now is None else now
    try:
        guard = os.open(root / _TRIM_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return []
    try:
        try:
            fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []
        held = entries(root, now)
        total = sum(entry.size for entry in held)
        removed: list[Entry] = []
        if total > limit:
            for entry in sorted(held, key=lambda e: e.used):
                if total <= limit * LOW_WATER:
                    break
                if entry.is_dir and now - entry.used < GRACE_DIR:
                    continue
                if remove(entry, unused_since=entry.used):
                    removed.append(entry)
                    total -= entry.size
        _ledger(root, set_to=total)
        return removed
    finally:
        os.close(guard)


def remove(entry: Entry, unused_since: float | None = None) -> bool:
    """Remove `entry` without disturbing a process using it; False if it is in use (or was used after
    `unused_since`, the time of last use it was chosen by).

    A vanished entry counts as removed: another process cleared it first.
    """
    if unused_since is not None and _mtime(entry.path) not in (unused_since, None):
        return False  # used since it was chosen: it is no longer the least recent
    if entry.is_dir:
        # One rename takes the whole directory away; what is deleted after is no longer found.
        parent, name = os.path.split(entry.path)
        hidden = os.path.join(parent, f".evicted-{os.getpid()}-{next(_counter)}-{name}")
        try:
            os.rename(entry.path, hidden)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        shutil.rmtree(hidden, ignore_errors=True)
        return True
    if entry.lock is None:
        return _unlink(entry.path)
    try:
        fd = os.open(entry.lock, os.O_RDWR)
    except FileNotFoundError:
        return _unlink(entry.path)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a build of that output directory is running
        # The lock goes last, still held: a process that opened it before sees it unlinked and
        # opens a new one (build.incremental.locked checks), so two builds never both hold one.
        return _unlink(entry.path) and _unlink(entry.lock)
    finally:
        os.close(fd)


def clear(root: Path) -> tuple[list[Entry], list[Entry]]:
    """Remove every entry; (removed, kept because in use)."""
    removed: list[Entry] = []
    kept: list[Entry] = []
    for entry in entries(root):
        (removed if remove(entry) else kept).append(entry)
    _ledger(root, set_to=sum(entry.size for entry in kept))
    for directory in _children(root):  # the empty fan-out directories left behind
        if directory.is_dir(follow_symlinks=False):
            for fanout in _children(directory.path):
                if _FANOUT.fullmatch(fanout.name):
                    with contextlib.suppress(OSError):
                        os.rmdir(fanout.path)
    return removed, kept


def _at_exit() -> None:
    try:
        limit = bound()
    except ValueError as exc:
        print(f"{_command()}: warning: {exc}; the cache is not trimmed", file=sys.stderr)
        return
    if limit is None:
        return
    for root in _to_trim:
        with contextlib.suppress(OSError):
            trim(root, limit)


def _ledger(root: Path, *, add: int = 0, set_to: int | None = None) -> int | None:
    """The ledger's sum after adding `add` (or setting it to `set_to`); None when there is none yet
    (a new cache, or one older than the ledger): then only a scan knows."""
    try:
        fd = os.open(root / _LEDGER, os.O_RDWR | os.O_CREAT, 0o644)
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


def _command() -> str:
    """`syscalltbl COMMAND`, as the error convention names the command that warns."""
    argv = sys.argv[1:2]
    return f"syscalltbl {argv[0]}" if argv and not argv[0].startswith("-") else "syscalltbl"


def _file_entries(files: list[os.DirEntry[str]], group: str, now: float) -> Iterator[Entry]:
    names = {f.name for f in files}
    # NAME.lock beside NAME.json is that entry's lock: counted and removed with it, not on its own.
    owned = {_lock_name(n) for n in names if not n.endswith(".lock")} & names
    for file in files:
        if file.name in _OWN_FILES or file.name in owned or (file.name.startswith(".") and not _stale(file, now)):
            continue
        try:
            info = file.stat(follow_symlinks=False)
        except OSError:
            continue
        size, lock = _blocks(info), None
        if file.name.endswith(".lock"):
            lock = file.path  # a lock whose entry is gone: it goes, once free
        elif (beside := _lock_name(file.name)) in owned:
            lock = os.path.join(os.path.dirname(file.path), beside)
            with contextlib.suppress(OSError):
                size += _blocks(os.stat(lock))
        yield Entry(file.path, group, size, info.st_mtime, False, lock)


def _lock_name(name: str) -> str:
    stem, dot, _suffix = name.rpartition(".")
    return f"{stem if dot else name}.lock"


def _children(directory: str | Path) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as listing:
            yield from list(listing)
    except OSError:
        return


def _stale(item: os.DirEntry[str], now: float) -> bool:
    try:
        return now - item.stat(follow_symlinks=False).st_mtime > STALE_TEMP
    except OSError:
        return False


def _disk_usage(directory: str) -> int:
    total = _blocks(os.stat(directory))
    for base, dirs, files in os.walk(directory):
        for name in dirs + files:
            with contextlib.suppress(OSError):
                total += _blocks(os.lstat(os.path.join(base, name)))
    return total


def _blocks(info: os.stat_result) -> int:
    # What `du` counts, but never less than the length: a file system that keeps small files
    # inline in its metadata (btrfs) reports no blocks for them.
    return max(info.st_blocks * 512, info.st_size)


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True
