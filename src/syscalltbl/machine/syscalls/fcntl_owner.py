"""fcntl's owner, signal, O_ASYNC and lease commands (fs/fcntl.c, fs/locks.c), over kernel/fown.py and
kernel/lease.py: F_SETOWN, F_GETOWN, F_SETOWN_EX, F_GETOWN_EX, F_SETSIG, F_GETSIG, F_SETLEASE, F_GETLEASE."""

from __future__ import annotations

from typing import Final

from syscalltbl.machine.kernel import fown, lease
from syscalltbl.machine.kernel.pidns import find_vpid, pid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import OpenFile, PipeEnd
from syscalltbl.machine.uapi.errno import EINVAL, ESRCH, Errno
from syscalltbl.machine.uapi.fown import (
    F_GETLEASE,
    F_GETOWN,
    F_GETOWN_EX,
    F_GETSIG,
    F_OWNER_EX,
    F_OWNER_PGRP,
    F_OWNER_PID,
    F_OWNER_TID,
    F_SETLEASE,
    F_SETOWN,
    F_SETOWN_EX,
    F_SETSIG,
    O_ASYNC,
    POLL_IN,
    POLL_OUT,
)
from syscalltbl.machine.uapi.signal import NSIG

OWNER_COMMANDS: Final = frozenset({F_SETOWN, F_GETOWN, F_SETOWN_EX, F_GETOWN_EX, F_SETSIG, F_GETSIG, F_SETLEASE,
                                   F_GETLEASE})
INT_MIN: Final = -(2**31)


def _s32(value: int) -> int:
    return ((value & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000


def _exists(t: Task, kind: int, pid: int) -> bool:
    """find_vpid: a thread, process or process group of that number."""
    tasks = t.machine.tasks.values()
    if kind == F_OWNER_TID:
        return pid in t.machine.tasks
    if kind == F_OWNER_PID:
        return any(task.pid == pid for task in tasks)
    return any(task.pgid == pid for task in tasks)


def _set_owner(t: Task, f: OpenFile, kind: int, pid: int) -> None:
    """The owner is kept by its global number (f_owner's struct pid); `pid` is the caller's namespace's."""
    global_pid = find_vpid(t, pid) if pid else 0
    if pid and (not global_pid or not _exists(t, kind, global_pid)):
        raise Errno(ESRCH)
    fown.set_owner(f, kind, global_pid, t)


def do_fcntl_owner(t: Task, f: OpenFile, fd: int, cmd: int, arg: int) -> int:
    if cmd == F_GETOWN:
        owner = fown.owner_of(f)
        pid = pid_vnr(t, owner.pid)  # 0 for an owner outside the caller's pid namespace
        return -pid if owner.kind == F_OWNER_PGRP else pid
    if cmd == F_SETOWN:
        who = _s32(arg)
        if who == INT_MIN:
            raise Errno(EINVAL)
        _set_owner(t, f, F_OWNER_PGRP if who < 0 else F_OWNER_PID, abs(who))
        return 0
    if cmd == F_GETOWN_EX:
        owner = fown.owner_of(f)
        copy_to_user(t.mm, arg, F_OWNER_EX.pack(owner.kind, pid_vnr(t, owner.pid)))
        return 0
    if cmd == F_SETOWN_EX:
        kind, pid = F_OWNER_EX.unpack(copy_from_user(t.mm, arg, F_OWNER_EX.size))
        if kind not in (F_OWNER_TID, F_OWNER_PID, F_OWNER_PGRP):
            raise Errno(EINVAL)
        _set_owner(t, f, kind, pid)
        return 0
    if cmd == F_GETSIG:
        return fown.owner_of(f).signum
    if cmd == F_SETSIG:
        if not 0 <= arg <= NSIG:  # valid_signal
            raise Errno(EINVAL)
        fown.owner_of(f).signum = arg
        return 0
    if cmd == F_GETLEASE:
        return lease.get_lease(f)
    return lease.set_lease(t, f, fd, _s32(arg))


def set_async(f: OpenFile, fd: int, on: bool) -> None:
    """F_SETFL's O_ASYNC (->fasync): a pipe end signals its owner when the other side's I/O makes it ready."""
    if isinstance(f.inode, PipeEnd):
        fown.fasync(f.inode.pipe, f, fd, writer=f.inode.writer, on=on)


def pipe_io(t: Task, f: OpenFile, *, wrote: bool) -> None:
    """pipe_write and pipe_read's kill_fasync: data for the O_ASYNC readers, room for the O_ASYNC writers."""
    if isinstance(f.inode, PipeEnd):
        fown.kill_fasync(t.machine.tasks, f.inode.pipe, POLL_IN if wrote else POLL_OUT, writers=not wrote)


__all__ = ["OWNER_COMMANDS", "O_ASYNC", "do_fcntl_owner", "pipe_io", "set_async"]
