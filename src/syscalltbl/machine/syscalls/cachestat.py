"""cachestat(2) (mm/filemap.c): how many pages of a file's range are in the page cache.

The machine's files are all tmpfs-like (kernel/pagecache.py): a page is
cached when it is held in host memory or in a frame of RAM; a host file's
page that was never copied up is read from the host each time and so is not.
As on shmem, nothing is ever dirty in the writeback sense (shmem's folios
never get the dirty tag), written back, or evicted: there is no swap.
"""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.permission import MAY_WRITE, is_owner, permits
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import Regular
from syscalltbl.machine.syscalls.fs import fd_nopath
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.cachestat import CACHESTAT, CACHESTAT_RANGE
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, Errno

PAGE_SHIFT = PAGE_SIZE.bit_length() - 1
ULONG_MAX = (1 << 64) - 1


def cached_pages(inode: Regular, first: int, last: int) -> int:
    """The page indexes first..last (inclusive) of the file that are in memory."""
    pages = inode.pages
    return sum(1 for index in (*pages.chunks, *pages.frames) if first <= index <= last)


@syscall("sys_cachestat")
def sys_cachestat(t: Task, fd: int, cstat_range: int, cstat: int, flags: int, *_: int) -> int:
    f = fd_nopath(t, fd)  # EBADF, an O_PATH descriptor as well
    inode = f.inode
    # can_do_cachestat: opened for reading, or the caller owns the file or may write it.
    if not (f.readable() or is_owner(t.cred, inode) or permits(t.cred, inode, MAY_WRITE)):
        raise Errno(EPERM)
    if flags:
        raise Errno(EINVAL)
    off, length = CACHESTAT_RANGE.unpack(copy_from_user(t.mm, cstat_range, CACHESTAT_RANGE.size))
    first = off >> PAGE_SHIFT
    last = ULONG_MAX if length == 0 else ((off + length - 1) & ULONG_MAX) >> PAGE_SHIFT
    nr_cache = cached_pages(inode, first, last) if isinstance(inode, Regular) else 0
    copy_to_user(t.mm, cstat, CACHESTAT.pack(nr_cache, 0, 0, 0, 0))
    return 0
