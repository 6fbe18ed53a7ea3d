"""F_SETPIPE_SZ and F_GETPIPE_SZ (fs/pipe.c pipe_fcntl): a pipe's or FIFO's capacity.

The capacity is a whole number of pages, a power of two: what a write may
fill before it blocks. It costs nothing by itself: the bytes a pipe holds
take frames of the machine's RAM as they are written (vfs.Pipe.fit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.vfs import BLOCK_SIZE, OpenFile, PipeEnd
from syscalltbl.machine.uapi.capability import CAP_SYS_RESOURCE
from syscalltbl.machine.uapi.errno import EBADF, EBUSY, EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import F_GETPIPE_SZ

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

#: /proc/sys/fs/pipe-max-size's default (kernel/sysctl.py): what a process without CAP_SYS_RESOURCE may ask for.
PIPE_MAX_SIZE: Final = 1 << 20


def round_pipe_size(size: int) -> int:
    """At least a page, rounded up to a power of two; 0 (EINVAL) past 2 GiB."""
    if size > 1 << 31:
        return 0
    return max(BLOCK_SIZE, 1 << (size - 1).bit_length())


def pipe_fcntl(t: Task, f: OpenFile, cmd: int, arg: int) -> int:
    if not isinstance(f.inode, PipeEnd):
        raise Errno(EBADF)  # get_pipe_info: not a pipe
    pipe = f.inode.pipe
    if cmd == F_GETPIPE_SZ:
        return pipe.capacity
    size = round_pipe_size(arg & 0xFFFFFFFF)
    if not size:
        raise Errno(EINVAL)
    if size > pipe.capacity and size > t.machine.sysctl.pipe_max_size and not t.cred.capable(CAP_SYS_RESOURCE):
        raise Errno(EPERM)
    held = -(-pipe.used() // BLOCK_SIZE)  # the pages its buffers take, a packet a page of its own
    if size // BLOCK_SIZE < held:
        raise Errno(EBUSY)  # pipe_resize_ring: what it holds would not fit
    pipe.capacity = size
    return size
