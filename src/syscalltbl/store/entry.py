"""The cache's keys and entry files, with nothing but os and sys: the warm `syscalltbl script` path reads them.

An entry is the file ROOT/KIND/KEY[:2]/KEY[2:]: the SHA-256 of its payload,
then the payload (store/cache.py writes them). A key is the SHA-256 of its
parts, each preceded by its length.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing itself costs a warm `syscalltbl script` call a fifth of its time
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

DIGEST_BYTES = 32


def _builtin_sha256() -> Callable[..., Any]:
    """The interpreter's own SHA-256: hashlib loads OpenSSL, which costs a warm script call more
    than reading and writing its files. Same digests; slower on large data, so only for small keys."""
    constructor: Callable[..., Any]
    try:
        from _sha256 import sha256 as constructor  # type: ignore[import-not-found,no-redef,unused-ignore]  # 3.11
    except ImportError:
        try:
            from _sha2 import sha256 as constructor  # type: ignore[import-not-found,no-redef,unused-ignore]  # 3.12+
        except ImportError:
            from hashlib import sha256 as constructor  # type: ignore[no-redef,unused-ignore]
    return constructor


sha256 = _builtin_sha256()


def digest(*parts: bytes | str) -> str:
    """store.cache.digest, with the built-in SHA-256."""
    h = sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    hexdigest: str = h.hexdigest()
    return hexdigest


def preferred_root() -> str:
    """The cache directory store.cachedir prefers: $XDG_CACHE_HOME/syscalltbl, default ~/.cache/syscalltbl."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "syscalltbl")


def enabled() -> bool:
    return os.environ.get("SYSCALLTBL_NO_CACHE", "") == ""


def file(root: str, kind: str, key: str) -> str:
    return os.path.join(root, kind, key[:2], key[2:])


def payload(blob: bytes) -> bytes | None:
    """An entry file's payload; None when the file is truncated or corrupt."""
    data = blob[DIGEST_BYTES:]
    if len(blob) < DIGEST_BYTES or sha256(data).digest() != blob[:DIGEST_BYTES]:
        return None
    return data


def read(root: str, kind: str, key: str) -> bytes | None:
    """An entry's payload, or None (missing, unreadable or corrupt: store.cache.get discards a corrupt one)."""
    path = file(root, kind, key)
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
    except OSError:
        return None
    # A use makes the entry the most recently used (store.cachebound.used, without importing
    # pathlib on the warm script path): the bound evicts by mtime.
    try:  # noqa: SIM105  (not contextlib.suppress: this module imports only os and sys)
        os.utime(path)
    except OSError:
        pass
    return payload(blob)


def write(root: str, kind: str, key: str, data: bytes) -> None:
    """Store an entry, atomically; a cache that cannot be written is no error."""
    from syscalltbl.store import atomic

    path = file(root, kind, key)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        written = atomic.write_if_changed(path, sha256(data).digest() + data)
    except OSError:
        return
    if written:
        # Counted against the cache's bound as store.cache counts its writes. Imported here: a warm
        # call only reads, and the first call with its arguments has imported pathlib already.
        from pathlib import Path

        from syscalltbl.store import cachebound

        cachebound.added(Path(path))


def interpreter() -> str:
    """What compiled code depends on: store.cache.fingerprint's first part."""
    return f"{sys.version_info[:2]}"
