"""RLIMIT_FSIZE: how large a process may make a file (mm/filemap.c, fs/attr.c).

Going past it is EFBIG, and the process is sent SIGXFSZ, which ends it
unless it is caught or ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.pidns import tgid_vnr
from syscalltbl.machine.uapi.errno import EFBIG, Errno
from syscalltbl.machine.uapi.resource import RLIM_INFINITY, RLIMIT_FSIZE
from syscalltbl.machine.uapi.signal import SI_USER, SIGXFSZ

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


def fsize_limit(t: Task) -> int | None:
    """The soft limit, None when unlimited."""
    if t.rlimits is None:
        return None
    soft = t.rlimits[RLIMIT_FSIZE][0]
    return None if soft == RLIM_INFINITY else soft


def _too_big(t: Task) -> Errno:
    # send_sig(SIGXFSZ, current, 0): to the thread, as from the process itself
    signals.send_thread(t, SIGXFSZ, signals.siginfo(SIGXFSZ, SI_USER, tgid_vnr(t), t.cred.uid))
    return Errno(EFBIG)


def write_limit(t: Task, pos: int, count: int) -> int:
    """generic_write_check_limits: a write at `pos` is cut to end at the limit; one starting there is EFBIG."""
    limit = fsize_limit(t)
    if limit is None:
        return count
    if pos >= limit:
        raise _too_big(t)
    return min(count, limit - pos)


def check_new_size(t: Task, size: int) -> None:
    """inode_newsize_ok: a file may not be made larger than the limit (truncate, fallocate)."""
    limit = fsize_limit(t)
    if limit is not None and size > limit:
        raise _too_big(t)
