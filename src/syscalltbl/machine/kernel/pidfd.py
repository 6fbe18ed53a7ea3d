"""A descriptor that names a process or a thread (kernel/pid.c's pidfd, fs/pidfs.c).

It holds the Task object itself, which stands for Linux's struct pid: once
the task is reaped that object leaves the machine's task table for good, and
a new process given the same number is another object, so a pidfd never
names the wrong process after its pid is reused.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.pidns import pid_vnr
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, EMFILE, ENOTTY, ESRCH, Errno
from syscalltbl.machine.uapi.fcntl import O_RDWR
from syscalltbl.machine.uapi.pidfd import (
    PIDFD_GET_INFO_NR,
    PIDFD_INFO,
    PIDFD_INFO_CREDS,
    PIDFD_INFO_EXIT,
    PIDFD_INFO_PID,
    PIDFD_INFO_SIZE_VER0,
    PIDFD_THREAD,
    PIDFS_IOCTL_MAGIC,
)
from syscalltbl.machine.uapi.poll import POLLHUP, POLLIN, POLLRDNORM

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

PIDFD_PATH = b"anon_inode:[pidfd]"


class PidFd(Inode):
    """The inode behind a pidfd: the task it names, a process's leader unless the file has PIDFD_THREAD."""

    def __init__(self, task: Task) -> None:
        super().__init__(ANON_INODE_MODE)
        self.task = task

    def alive(self) -> bool:
        """The task still exists (running or a zombie): it was not reaped."""
        return self.task.machine.tasks.get(self.task.tid) is self.task

    def exited(self, f: OpenFile) -> bool:
        """pidfd_poll's test: the thread has exited, or for a process every one of its threads."""
        if f.flags & PIDFD_THREAD:
            return self.task.status is not None
        return self.task.group.ended

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        """PIDFD_GET_INFO (pidfd_info): the ids and credentials of a task not yet reaped, and its wait
        status once it has been (PIDFD_INFO_EXIT); ESRCH for a reaped one unless the exit is asked for."""
        request &= 0xFFFFFFFF
        size, kind, nr = request >> 16 & 0x3FFF, request >> 8 & 0xFF, request & 0xFF
        if kind != PIDFS_IOCTL_MAGIC or nr != PIDFD_GET_INFO_NR or request >> 30 != 3:
            raise Errno(ENOTTY)
        if size < PIDFD_INFO_SIZE_VER0:
            raise Errno(ENOTTY)  # extensible_ioctl_valid (6.18): older than the first version
        if not arg:
            raise Errno(EINVAL)
        (wanted,) = struct.unpack("<Q", copy_from_user(task.mm, arg, 8))
        target, mask = self.task, 0
        if not task.pid_ns.contains(target.pid_ns):
            raise Errno(ESRCH)  # pid_in_current_pidns: a pid the caller's namespace has no number for
        exit_code = 0
        ids = [0] * 11
        if not self.alive():
            if not wanted & PIDFD_INFO_EXIT:
                raise Errno(ESRCH)
        else:
            c = target.cred
            ids = [pid_vnr(task, target.tid), pid_vnr(task, target.pid), pid_vnr(task, target.ppid),
                   c.uid, c.gid, c.euid, c.egid, c.suid, c.sgid, c.fsuid,
                   c.fsgid]
            mask |= PIDFD_INFO_CREDS | PIDFD_INFO_PID
        if wanted & PIDFD_INFO_EXIT and not self.alive() and target.status is not None:
            mask |= PIDFD_INFO_EXIT  # kept from when it was reaped (pidfs_exit)
            exit_code = target.status.wait_status
        info = PIDFD_INFO.pack(mask, 0, *ids, exit_code, 0, 0)
        # copy_struct_to_user: what the caller's size holds of it, zeros past the kernel's.
        copy_to_user(task.mm, arg, info[:size].ljust(size, b"\0"))
        return 0

    def poll(self, f: OpenFile) -> int:
        if not self.alive():
            return POLLIN | POLLRDNORM | POLLHUP
        return POLLIN | POLLRDNORM if self.exited(f) else 0


def pidfd_file(t: Task, fd: int) -> tuple[PidFd, OpenFile]:
    """The pidfd open at `fd`: EBADF when nothing is, or something else is."""
    f = t.files.get(fd)
    if not isinstance(f.inode, PidFd):
        raise Errno(EBADF)
    return f.inode, f


def open_pidfd(t: Task, target: Task, flags: int) -> int:
    """A new close-on-exec descriptor naming `target` (pidfd_create), read-write as Linux opens it."""
    f = OpenFile(PidFd(target), O_RDWR | flags, PIDFD_PATH)
    return t.files.install(f, cloexec=True, limit=t.nofile())


def reserve_pidfd(t: Task, where: int) -> None:
    """Before clone makes anything: EMFILE when no descriptor is free for CLONE_PIDFD's, EFAULT when
    `where` cannot take its number (copy_process's get_unused_fd and put_user, which undo the clone)."""
    fd = 0
    while fd in t.files.fds:
        fd += 1
    if fd >= t.nofile():
        raise Errno(EMFILE)
    copy_to_user(t.mm, where, bytes(4))
