"""readahead (mm/readahead.c ksys_readahead): the machine's files are in memory already, so after Linux's
checks there is nothing to read ahead."""

from __future__ import annotations

import stat

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.fs import fd_nopath, s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, Errno


@syscall("sys_readahead")
def sys_readahead(t: Task, fd: int, offset: int, count: int, *_: int) -> int:
    f = fd_nopath(t, s32(fd))
    if not f.readable():
        raise Errno(EBADF)
    if stat.S_IFMT(f.inode.mode) not in (stat.S_IFREG, stat.S_IFBLK):
        raise Errno(EINVAL)  # no page cache to read into: a pipe, socket, directory or character device
    return 0  # shmem's POSIX_FADV_WILLNEED takes any offset, a negative one too
