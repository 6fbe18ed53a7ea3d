"""kcmp (kernel/kcmp.c): whether two processes share a kernel object, and an order between those they do not.

Objects are compared as Linux compares them: by their identity, scrambled
by a random cookie per kind (kptr_obfuscate), so the order is stable within
the machine's run but reveals nothing of where the objects live.
"""

from __future__ import annotations

import secrets

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.syscalls.eventpoll import EventPoll
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_PTRACE
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, ENOENT, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.kcmp import (
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

MASK64 = (1 << 64) - 1
#: kcmp_cookies: per kind, an xor mask and an odd multiplier, chosen once per Python process.
_COOKIES = [(secrets.randbits(64), secrets.randbits(64) | 1) for _ in range(KCMP_TYPES)]


def _obfuscate(obj: object, kind: int) -> int:
    mask, factor = _COOKIES[kind]
    return ((id(obj) ^ mask) * factor) & MASK64


def kcmp_ptr(a: object, b: object, kind: int) -> int:
    """0 if the same object, else 1 or 2 as their scrambled identities order (an absent one is 0)."""
    if a is b:
        return 0
    ta = 0 if a is None else _obfuscate(a, kind)
    tb = 0 if b is None else _obfuscate(b, kind)
    return 1 if ta < tb else 2


def may_read(t: Task, task: Task) -> bool:
    """ptrace_may_access(PTRACE_MODE_READ_REALCREDS): one's own process, or one whose ids are all the caller's
    real ones (and dumpable), or anything with CAP_SYS_PTRACE."""
    if task.group is t.group:
        return True
    c, tc = t.cred, task.cred
    same = c.uid == tc.euid == tc.suid == tc.uid and c.gid == tc.egid == tc.sgid == tc.gid
    if not same and not c.capable(CAP_SYS_PTRACE):
        return False
    return task.dumpable == 1 or c.capable(CAP_SYS_PTRACE)


def _file(task: Task, fd: int) -> OpenFile | None:
    entry = task.files.fds.get(fd) if task.status is None else None
    return None if entry is None else entry[0]


@syscall("sys_kcmp")
def sys_kcmp(t: Task, pid1: int, pid2: int, kind: int, idx1: int, idx2: int, *_: int) -> int:
    tasks = t.machine.tasks
    task1, task2 = tasks.get(s32(pid1)), tasks.get(s32(pid2))
    if task1 is None or task2 is None:
        raise Errno(ESRCH)
    if not may_read(t, task1) or not may_read(t, task2):
        raise Errno(EPERM)
    kind = s32(kind)
    if kind == KCMP_FILE:
        f1, f2 = _file(task1, idx1 & 0xFFFFFFFF), _file(task2, idx2 & 0xFFFFFFFF)
        if f1 is None or f2 is None:
            raise Errno(EBADF)
        return kcmp_ptr(f1, f2, KCMP_FILE)
    if kind == KCMP_VM:
        return kcmp_ptr(task1.mm, task2.mm, kind)
    if kind == KCMP_FILES:
        return kcmp_ptr(task1.files, task2.files, kind)
    if kind == KCMP_FS:
        return kcmp_ptr(task1.fs, task2.fs, kind)
    if kind == KCMP_SIGHAND:
        return kcmp_ptr(task1.sighand, task2.sighand, kind)
    if kind == KCMP_IO:
        return kcmp_ptr(task1.io, task2.io, kind)
    if kind == KCMP_SYSVSEM:
        return kcmp_ptr(task1.sem_undo, task2.sem_undo, kind)
    if kind == KCMP_EPOLL_TFD:
        return _epoll_target(t, task1, task2, idx1, idx2)
    raise Errno(EINVAL)


def _epoll_target(t: Task, task1: Task, task2: Task, idx1: int, slot: int) -> int:
    """KCMP_EPOLL_TFD: task1's file idx1 against the file task2's epoll efd watches as (tfd, toff)."""
    raw = copy_from_user(t.mm, slot, 12)
    efd, tfd, toff = (int.from_bytes(raw[i : i + 4], "little") for i in (0, 4, 8))
    f1 = _file(task1, idx1 & 0xFFFFFFFF)
    if f1 is None:
        raise Errno(EBADF)
    epoll = _file(task2, efd)
    if epoll is None:
        raise Errno(EBADF)
    target = _watched(epoll, tfd, toff)
    if target is None:
        raise Errno(ENOENT)
    return kcmp_ptr(f1, target, KCMP_FILE)


def _watched(epoll: OpenFile, tfd: int, toff: int) -> OpenFile | None:
    """get_epoll_tfile_raw_ptr: the toff-th file registered in an epoll instance under descriptor tfd."""
    if not isinstance(epoll.inode, EventPoll):
        raise Errno(EINVAL)
    matches = [item.file for item in epoll.inode.live() if item.fd == tfd]
    return matches[toff] if toff < len(matches) else None
