"""One build of an output directory at a time: an exclusive flock on a file in the cache.

With nothing but os and fcntl: the warm build path (cli/build_warm.py) takes the
same lock as a full build (build/incremental.py).
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager

TYPE_CHECKING = False  # not typing: the warm build path imports as little as it can
if TYPE_CHECKING:
    from collections.abc import Iterator


@contextmanager
def locked(lock: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the lock file `lock`; a second holder waits for the first."""
    while True:
        with open(lock, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            # Cache eviction unlinks an unused record's lock while holding it: a lock taken on
            # the unlinked file would exclude nobody, so take the one at the path again.
            try:
                current = os.stat(lock)
            except FileNotFoundError:
                continue
            opened = os.fstat(handle.fileno())
            if (current.st_dev, current.st_ino) != (opened.st_dev, opened.st_ino):
                continue
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return
