"""fadvise64(2) (mm/fadvise.c): advice about a file's page cache.

The machine's files are all in memory, like tmpfs's, whose backing device
is noop_backing_dev_info: generic_fadvise checks the advice and does nothing
else, so this call only answers the errors Linux gives.
"""

from __future__ import annotations

import os
import stat

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import HostFile, PipeEnd
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, ESPIPE, Errno
from syscalltbl.machine.uapi.fadvise import POSIX_FADV_NOREUSE, POSIX_FADV_NORMAL
from syscalltbl.machine.uapi.fcntl import O_PATH


def _is_fifo(inode: object) -> bool:
    if isinstance(inode, PipeEnd):
        return True
    if isinstance(inode, HostFile):
        try:
            return stat.S_ISFIFO(os.fstat(inode.fd).st_mode)
        except OSError:
            return False
    return False


@syscall("sys_fadvise64")
def sys_fadvise64(t: Task, fd: int, offset: int, length: int, advice: int, *_: int) -> int:
    f = t.files.get(s32(fd))
    if f.flags & O_PATH:
        raise Errno(EBADF)  # fdget: an O_PATH descriptor does not count
    if _is_fifo(f.inode):
        raise Errno(ESPIPE)
    if length >= 1 << 63:  # size_t made loff_t: negative
        raise Errno(EINVAL)
    if not POSIX_FADV_NORMAL <= s32(advice) <= POSIX_FADV_NOREUSE:
        raise Errno(EINVAL)
    return 0
