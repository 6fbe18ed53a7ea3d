"""A descriptor that names a process or a thread (kernel/pid.c's pidfd, fs/pidfs.c).

It holds the Task object itself, which stands for Linux's struct pid: once
the task is reaped that object leaves the machine's task table for good, and
a new process given the same number is another object, so a pidfd never
names the wrong process after its pid is reused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import EBADF, EMFILE, Errno
from syscalltbl.machine.uapi.fcntl import O_RDWR
from syscalltbl.machine.uapi.pidfd import PIDFD_THREAD
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
