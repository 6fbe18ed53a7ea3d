"""fallocate (fs/open.c vfs_fallocate, mm/shmem.c shmem_fallocate).

The machine's files are tmpfs's: a range is allocated (holes in it read
zeros and count as blocks, the size growing unless FALLOC_FL_KEEP_SIZE) or
punched (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE: zeros, whole blocks
freed). The other operations tmpfs does not have: EOPNOTSUPP, as on Linux.
"""

from __future__ import annotations

from syscalltbl.machine.kernel import fsnotify, permission
from syscalltbl.machine.kernel.fsize import check_new_size
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import MAX_FILE_SIZE, Directory, PipeEnd, Regular
from syscalltbl.machine.syscalls.fs import fd_nopath
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EBADF, EFBIG, EINVAL, EISDIR, ENODEV, EOPNOTSUPP, EPERM, ESPIPE, Errno
from syscalltbl.machine.uapi.falloc import (
    FALLOC_FL_COLLAPSE_RANGE,
    FALLOC_FL_INSERT_RANGE,
    FALLOC_FL_KEEP_SIZE,
    FALLOC_FL_MODE_MASK,
    FALLOC_FL_PUNCH_HOLE,
    FALLOC_FL_WRITE_ZEROES,
)

_S64 = 1 << 63


def _signed(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value & _S64 else value


def _check_mode(mode: int) -> None:
    """vfs_fallocate: the flags it knows, and the pairs it allows."""
    if mode & ~(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE):
        raise Errno(EOPNOTSUPP)
    op = mode & FALLOC_FL_MODE_MASK
    if op & (op - 1):
        raise Errno(EOPNOTSUPP)  # more than one operation
    if op == FALLOC_FL_PUNCH_HOLE and not mode & FALLOC_FL_KEEP_SIZE:
        raise Errno(EOPNOTSUPP)
    if op in (FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_WRITE_ZEROES) and mode & FALLOC_FL_KEEP_SIZE:
        raise Errno(EOPNOTSUPP)


@syscall("sys_fallocate")
def sys_fallocate(t: Task, fd: int, mode: int, offset: int, length: int, *_: int) -> int:
    f = fd_nopath(t, fd)
    mode &= 0xFFFFFFFF
    offset, length = _signed(offset), _signed(length)
    if offset < 0 or length <= 0:
        raise Errno(EINVAL)
    _check_mode(mode)
    if not f.writable():
        raise Errno(EBADF)
    inode = f.inode
    if (mode & ~FALLOC_FL_KEEP_SIZE and permission.append_only(inode)) or permission.immutable(inode):
        raise Errno(EPERM)  # vfs_fallocate: only a plain allocation for an append-only file, nothing if immutable
    if isinstance(inode, PipeEnd):
        raise Errno(ESPIPE)
    if isinstance(inode, Directory):
        raise Errno(EISDIR)
    if not isinstance(inode, Regular):
        raise Errno(ENODEV)
    end = offset + length
    if end > MAX_FILE_SIZE or end >= _S64:
        raise Errno(EFBIG)
    if mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE):
        raise Errno(EOPNOTSUPP)  # shmem_fallocate: tmpfs allocates and punches, nothing else
    if mode & FALLOC_FL_PUNCH_HOLE:
        inode.punch_hole(offset, end)
    else:
        if end > inode.size():
            check_new_size(t, end)  # shmem_fallocate checks RLIMIT_FSIZE with FALLOC_FL_KEEP_SIZE too
        inode.allocate(offset, end, keep_size=bool(mode & FALLOC_FL_KEEP_SIZE))
    inode.modified()  # file_modified: mtime and ctime
    fsnotify.modified(f)
    return 0
