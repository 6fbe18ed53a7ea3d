"""close_range (fs/file.c): close, or mark close-on-exec, every descriptor from fd to max_fd.

With CLOSE_RANGE_UNSHARE a table shared with CLONE_FILES siblings is
copied first (unshare_files), so only this process's descriptors change.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, ENOMEM, Errno
from syscalltbl.machine.uapi.rwf import CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE


@syscall("sys_close_range")
def sys_close_range(t: Task, fd: int, max_fd: int, flags: int, *_: int) -> int:
    fd, max_fd, flags = fd & 0xFFFFFFFF, max_fd & 0xFFFFFFFF, flags & 0xFFFFFFFF
    if flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) or fd > max_fd:
        raise Errno(EINVAL)
    if flags & CLOSE_RANGE_UNSHARE and t.files.users > 1:
        if not t.files.copy_fits():
            raise Errno(ENOMEM)
        shared, t.files = t.files, t.files.copy()
        shared.release()
    table = t.files
    for n in sorted(n for n in table.fds if fd <= n <= max_fd):
        if flags & CLOSE_RANGE_CLOEXEC:
            table.fds[n] = (table.fds[n][0], True)
        else:
            table.close(n)
    return 0
