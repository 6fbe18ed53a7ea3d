"""read and write on file descriptors backed by the host's (fds 0, 1, 2)."""

from __future__ import annotations

import os

from syscalltbl.kernel_runtime.errnos import EBADF, Errno
from syscalltbl.kernel_runtime.process import Task
from syscalltbl.kernel_runtime.syscalls.registry import syscall
from syscalltbl.kernel_runtime.uaccess import copy_from_user, copy_to_user, user_range

MAX_RW_COUNT = 0x7FFFF000  # include/linux/fs.h: INT_MAX rounded down to a page


def _host_fd(t: Task, fd: int) -> int:
    host = t.files.get(fd)
    if host is None:
        raise Errno(EBADF)
    return host


@syscall("sys_read")
def sys_read(t: Task, fd: int, buf: int, count: int, *_: int) -> int:
    host = _host_fd(t, fd)
    count = min(count, MAX_RW_COUNT)
    user_range(t.mm, buf, count, write=True)  # fault before consuming input
    try:
        data = os.read(host, count)
    except OSError as exc:
        raise Errno(exc.errno or EBADF) from None
    copy_to_user(t.mm, buf, data)
    return len(data)


@syscall("sys_write")
def sys_write(t: Task, fd: int, buf: int, count: int, *_: int) -> int:
    host = _host_fd(t, fd)
    data = copy_from_user(t.mm, buf, min(count, MAX_RW_COUNT))
    try:
        return os.write(host, data)
    except OSError as exc:
        raise Errno(exc.errno or EBADF) from None
