"""A content-addressed cache of parsed tables and rendered outputs.

An entry's key is the SHA-256 of everything its value depends on (input
bytes, arguments, and the code that turns one into the other), so an entry
can never be stale; each file also stores the SHA-256 of its payload, so a
truncated or corrupt entry is detected, discarded and rebuilt.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.store import atomic, cachebound, cachedir, entry

if TYPE_CHECKING:
    from hashlib import _Hash

_DIGEST = 32
#: The first this many bytes a process hashes go through the interpreter's own SHA-256 (store/entry.py),
#: the rest through hashlib's: importing hashlib starts OpenSSL, 3-4 ms, more than the built-in one takes
#: for all that a warm `run` hashes (about 260 KB: 1.4 ms), though it is 8x slower a byte. Same digests.
BUILTIN_BUDGET = 512 * 1024
_builtin_left = BUILTIN_BUDGET


def hasher(size: int) -> _Hash:
    """A new SHA-256 for `size` bytes: the built-in one while the process's budget lasts, else OpenSSL's."""
    global _builtin_left
    if size <= _builtin_left:
        _builtin_left -= size
        made: _Hash = entry.sha256()
        return made
    import hashlib

    return hashlib.sha256()

#: Entries write_deferred() wrote, for the size ledger: updated once, when the last is written.
_written: list[Path] = []


def prefer_hashlib() -> None:
    """Hash with hashlib's SHA-256 from now on: a process that imports hashlib anyway (a cold build and
    its render worker, which hash megabytes of tables and outputs) only loses time with the built-in one."""
    global _builtin_left
    _builtin_left = 0


#: Entries put() and put_later() keep in memory since defer_puts(), until write_deferred() writes them:
#: (kind, key, payload), the key and payload of put_later's made when written.
_deferred: list[tuple[str, str | Callable[[], str], bytes | Callable[[], bytes]]] | None = None


def digest(*parts: bytes | str) -> str:
    encoded = [part.encode() if isinstance(part, str) else part for part in parts]
    h = hasher(sum(len(data) for data in encoded))
    for data in encoded:
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def sha256_hex(data: bytes) -> str:
    h = hasher(len(data))
    h.update(data)
    return h.hexdigest()


def _sha256(data: bytes) -> bytes:
    h = hasher(len(data))
    h.update(data)
    return h.digest()


def _file(kind: str, key: str) -> Path:
    return cachedir.root() / kind / key[:2] / key[2:]


def get(kind: str, key: str) -> bytes | None:
    path = _file(kind, key)
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    payload = blob[_DIGEST:]
    if len(blob) < _DIGEST or _sha256(payload) != blob[:_DIGEST]:
        path.unlink(missing_ok=True)
        return None
    cachebound.used(path)  # least recently used entries are evicted first
    return payload


def put(kind: str, key: str, payload: bytes) -> None:
    if _deferred is not None:
        _deferred.append((kind, key, payload))
        return
    written = _write(kind, key, payload)
    if written is not None:
        cachebound.added(written)


def put_later(kind: str, key: Callable[[], str], payload: Callable[[], bytes]) -> None:
    """put(kind, key(), payload()), the key and the payload made only when the entry is written: a
    render worker's keys (hashes of whole tables) and pickles stay off the path its build waits on."""
    if _deferred is not None:
        _deferred.append((kind, key, payload))
        return
    put(kind, key(), payload())


def _write(kind: str, key: str, payload: bytes) -> Path | None:
    """Store an entry; its path if this wrote it (for the size ledger), None if it held the payload already."""
    path = _file(kind, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if atomic.write_if_changed(path, _sha256(payload) + payload):
            return path
        cachebound.used(path)
    except OSError:
        pass  # a read-only or full cache slows us down; it must not fail the build
    return None


def defer_puts() -> None:
    """Keep the entries put() from now on in memory, for write_deferred(): a cold build's render
    workers send their outputs back first and fill the cache while the build writes them."""
    global _deferred
    if _deferred is None:
        _deferred = []


def write_deferred(stop: Callable[[], bool] | None = None) -> None:
    """Write the entries kept since defer_puts(), and put() writes at once again. With `stop`, asked
    before each entry, only until it says so: the rest, and later puts, are kept for the next call
    (a render worker waiting for its helper writes its own entries meanwhile)."""
    global _deferred
    pending = _deferred or []
    while pending:
        if stop is not None and stop():
            return
        kind, key, payload = pending.pop(0)
        path = _write(
            kind, key if isinstance(key, str) else key(), payload if isinstance(payload, bytes) else payload()
        )
        if path is not None:
            _written.append(path)
    if stop is not None:
        return
    _deferred = None
    if _written:
        cachebound.added(*_written)  # one update of the size ledger (a locked read and write) for all
        _written.clear()


def fingerprint(files: Iterable[Path]) -> str:
    """Hash of the Python version and each file's name and bytes: the key part for "the code that made it"."""
    import hashlib  # files of code, read whole: more than the built-in SHA-256's budget

    h = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def enabled() -> bool:
    return os.environ.get("SYSCALLTBL_NO_CACHE", "") == ""
