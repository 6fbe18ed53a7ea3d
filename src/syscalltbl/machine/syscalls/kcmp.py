"""kcmp (kernel/kcmp.c): do two tasks share a kernel resource (an open file, memory, descriptor table...)?

The answer orders the two objects as Linux does, by their address scrambled
with a per-type key, so equal is 0 and different is 1 or 2 consistently,
without telling a program where anything lives. KCMP_IO compares the tasks'
I/O contexts (shared by CLONE_IO), KCMP_SYSVSEM their undo lists' identity
(none until CLONE_SYSVSEM shares one, so two tasks that never did compare
equal, as on Linux).
"""

from __future__ import annotations

import secrets

from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.ptrace_access import ptrace_may_access
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.syscalls.eventpoll import EventPoll
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, ENOENT, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.kcmp import (
    KCMP_EPOLL_SLOT,
    KCMP_EPOLL_TFD,
    KCMP_FILE,
    KCMP_FILES,
    KCMP_FS,
    KCMP_IO,
    KCMP_SIGHAND,
    KCMP_SYSVSEM,
    KCMP_TYPES,
    KCMP_VM,
)

#: kcmp_cookies: per type, a value to xor and an odd one to multiply the address with, made at boot.
_COOKIES = [(secrets.randbits(64), secrets.randbits(64) | 1) for _ in range(KCMP_TYPES)]
_MASK = (1 << 64) - 1


def _order(a: object | None, b: object | None, kind: int) -> int:
    """kcmp_ptr: 0 the same object, else 1 or 2 by the scrambled addresses."""
    xor, mul = _COOKIES[kind]
    ka = ((id(a) if a is not None else 0) ^ xor) * mul & _MASK
    kb = ((id(b) if b is not None else 0) ^ xor) * mul & _MASK
    return 0 if ka == kb else 1 if ka < kb else 2


def _file(task: Task, fd: int) -> OpenFile | None:
    """The task's open file at `fd`, none once it has exited (its table is gone)."""
    if task.status is not None:
        return None
    entry = task.files.fds.get(fd)
    return entry[0] if entry is not None else None


def _epoll_target(t: Task, task1: Task, task2: Task, idx1: int, idx2: int) -> int:
    """KCMP_EPOLL_TFD: task1's file idx1 against the file task2's epoll (slot at idx2) watches."""
    f1 = _file(task1, idx1)
    if f1 is None:
        raise Errno(EBADF)
    efd, tfd, toff = KCMP_EPOLL_SLOT.unpack(copy_from_user(t.mm, idx2, KCMP_EPOLL_SLOT.size))
    epoll = _file(task2, efd)
    if epoll is None:
        raise Errno(EBADF)
    if not isinstance(epoll.inode, EventPoll):
        raise Errno(EINVAL)
    watched = [item.file for item in epoll.inode.live() if item.fd == tfd]
    if toff >= len(watched):
        raise Errno(ENOENT)
    return _order(f1, watched[toff], KCMP_FILE)


@syscall("sys_kcmp")
def sys_kcmp(t: Task, pid1: int, pid2: int, kind: int, idx1: int, idx2: int, *_: int) -> int:
    task1, task2 = find_task_vpid(t, pid1), find_task_vpid(t, pid2)
    if task1 is None or task2 is None:
        raise Errno(ESRCH)
    if not ptrace_may_access(t, task1) or not ptrace_may_access(t, task2):
        raise Errno(EPERM)
    if kind == KCMP_FILE:
        f1, f2 = _file(task1, idx1 & 0xFFFFFFFF), _file(task2, idx2 & 0xFFFFFFFF)
        if f1 is None or f2 is None:
            raise Errno(EBADF)
        return _order(f1, f2, kind)
    live = task1.status is None, task2.status is None
    if kind == KCMP_VM:
        return _order(task1.mm if live[0] else None, task2.mm if live[1] else None, kind)
    if kind == KCMP_FILES:
        return _order(task1.files if live[0] else None, task2.files if live[1] else None, kind)
    if kind == KCMP_FS:
        return _order(task1.fs if live[0] else None, task2.fs if live[1] else None, kind)
    if kind == KCMP_SIGHAND:
        return _order(task1.sighand, task2.sighand, kind)
    if kind == KCMP_IO:
        return _order(task1.io, task2.io, kind)
    if kind == KCMP_SYSVSEM:
        return _order(task1.sem_undo, task2.sem_undo, kind)
    if kind == KCMP_EPOLL_TFD:
        return _epoll_target(t, task1, task2, idx1 & 0xFFFFFFFF, idx2)
    raise Errno(EINVAL)
