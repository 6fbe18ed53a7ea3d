"""rt_sigtimedwait (kernel/signal.c): take a pending signal of a set instead of having it delivered.

The signals waited for are normally blocked; the call wakes when one of them
is pending (its sleep's test), when the timeout passes (EAGAIN), or when a
handled signal outside the set arrives (EINTR, never restarted). The
deadline is kept across the re-runs that follow each wake-up.
"""

from __future__ import annotations

import time
import weakref

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.signals import KERNEL_SIGSET_SIZE, SIGINFO_SIZE, UNBLOCKABLE
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EAGAIN, EINVAL, Errno
from syscalltbl.machine.uapi.structs import SIGSET, TIMESPEC

NSEC = 1_000_000_000
#: A sleeping call's arguments and deadline, so that its re-run keeps the first run's deadline.
_waits: weakref.WeakKeyDictionary[Task, tuple[tuple[int, ...], float | None]] = weakref.WeakKeyDictionary()


def user_sigmask(t: Task, addr: int, size: int) -> int:
    """A sigset_t of the caller's, less SIGKILL and SIGSTOP (which nothing can wait for or read)."""
    if size != KERNEL_SIGSET_SIZE:
        raise Errno(EINVAL)
    (mask,) = SIGSET.unpack(copy_from_user(t.mm, addr, SIGSET.size))
    return int(mask) & ~UNBLOCKABLE


def _timeout_ns(t: Task, uts: int) -> int | None:
    if not uts:
        return None
    sec, nsec = TIMESPEC.unpack(copy_from_user(t.mm, uts, TIMESPEC.size))
    if sec < 0 or not 0 <= nsec < NSEC:
        raise Errno(EINVAL)
    return int(sec) * NSEC + int(nsec)


@syscall("sys_rt_sigtimedwait")
def sys_rt_sigtimedwait(t: Task, uthese: int, uinfo: int, uts: int, sigsetsize: int, *_: int) -> int:
    these = user_sigmask(t, uthese, sigsetsize)
    timeout = _timeout_ns(t, uts)
    args = (uthese, uinfo, uts, sigsetsize)
    earlier = _waits.pop(t, None)
    if earlier is not None and earlier[0] == args:
        deadline = earlier[1]
    else:
        deadline = None if timeout is None else time.monotonic() + timeout / NSEC
    taken = signals.dequeue_mask(t, these)
    if taken is not None:
        sig, info = taken
        if uinfo:
            copy_to_user(t.mm, uinfo, info.ljust(SIGINFO_SIZE, b"\0"))  # the signal is taken even if this faults
        return sig
    if deadline is not None and time.monotonic() >= deadline:
        raise Errno(EAGAIN)
    _waits[t] = (args, deadline)

    def ready() -> bool:
        return bool(signals.pending(t) & these) or (deadline is not None and time.monotonic() >= deadline)

    def interrupted() -> int | None:
        _waits.pop(t, None)
        return None

    raise Sleep(ready, deadline, restartable=False, on_interrupt=interrupted)
