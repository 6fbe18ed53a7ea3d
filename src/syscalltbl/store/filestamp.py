"""The fingerprint of a set of source files, remembered under their stat() results.

Every command keys its cache entries with a hash of the code that made them
(store.cache.fingerprint: each file's name and bytes). Reading and hashing
fifty files costs a warm `syscalltbl script` call more than its own work, so
the hash is kept in the cache under a key made of each file's path, size,
inode, mtime and ctime: any write to a file changes its ctime, which no tool
can set back, so an edited file is always hashed again. The kernel stamps
ctime from a clock that ticks every few milliseconds, so two same-sized
writes in one tick leave the same stamp: a set with a file changed in the
last SETTLE_NS is hashed and its stamp not kept, as git treats a "racily
clean" file; by the time a stamp is kept, a later write lands in a later tick.
"""

from __future__ import annotations

import os
import time

from syscalltbl.store import entry

#: How long after its last change a file's stamp is trusted to tell every later write.
SETTLE_NS = 2_000_000_000


def stamp(st: os.stat_result) -> str:
    """What of a file's stat() any write changes: its size, inode, mtime and ctime."""
    return f"{st.st_size}:{st.st_ino}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def fingerprint(paths: list[str]) -> str:
    """The SHA-256 of the interpreter version and each file's name and bytes, in the given order."""
    if not entry.enabled():
        return _hash(paths)
    stats = [entry.interpreter()]
    settled = time.time_ns() - SETTLE_NS
    for path in paths:
        st = os.stat(path)
        if st.st_ctime_ns > settled:
            return _hash(paths)
        stats.append(f"{path}\0{stamp(st)}")
    key = entry.digest("stamp", *stats)
    root = entry.preferred_root()
    known = entry.read(root, "stamp", key)
    if known is not None:
        return known.decode("ascii")
    value = _hash(paths)
    entry.write(root, "stamp", key, value.encode("ascii"))
    return value


def _hash(paths: list[str]) -> str:
    h = entry.sha256(entry.interpreter().encode())
    for path in paths:
        h.update(os.path.basename(path).encode())
        with open(path, "rb") as handle:
            h.update(handle.read())
    value: str = h.hexdigest()
    return value
