"""The entries of the cache, and removing them: least recently used first down to a bound, or all.

An entry is one unit that is used and removed whole: a file of the
content-addressed cache (`KIND/xx/KEY`), a build record (`builds/NAME.json`
with its lock), a directory of assembled images (`x86_64-images/NAME`), a
parser-table file at the top. Its mtime is the time of its last use
(store.cachebound.used). Sizes are disk usage, as `du` counts them (at least the
length).

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

import contextlib
import fcntl
import itertools
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from syscalltbl.store.cachesize import LEDGER, blocks, disk_usage, ledger

#: a directory used this recently is never evicted (a process may hold its path)
GRACE_DIR = 600.0
#: a temporary file or directory this old is a crashed writer's, not one being written
STALE_TEMP = 3600.0
#: a cache over its bound is trimmed to this share of it, so that the next scan is a fifth of the bound away
LOW_WATER = 0.8

_FANOUT = re.compile(r"[0-9a-f]{2}")
_TRIM_LOCK = ".trim.lock"
_OWN_FILES = frozenset({_TRIM_LOCK, LEDGER})
_counter = itertools.count()


@dataclass(frozen=True)
class Entry:
    path: str  # str, not Path: a scan makes thousands
    group: str  # what holds it: the top-level directory's name, or the file's own at the top
    size: int  # bytes on disk, its lock included
    used: float  # time of last use (mtime)
    is_dir: bool
    lock: str | None = None  # a lock file a user of the entry holds; removed with it


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
                size = disk_usage(directory.path)
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
        ledger(root, set_to=total)
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
    ledger(root, set_to=sum(entry.size for entry in kept))
    for directory in _children(root):  # the empty fan-out directories left behind
        if directory.is_dir(follow_symlinks=False):
            for fanout in _children(directory.path):
                if _FANOUT.fullmatch(fanout.name):
                    with contextlib.suppress(OSError):
                        os.rmdir(fanout.path)
    return removed, kept


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
        size, lock = blocks(info), None
        if file.name.endswith(".lock"):
            lock = file.path  # a lock whose entry is gone: it goes, once free
        elif (beside := _lock_name(file.name)) in owned:
            lock = os.path.join(os.path.dirname(file.path), beside)
            with contextlib.suppress(OSError):
                size += blocks(os.stat(lock))
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
