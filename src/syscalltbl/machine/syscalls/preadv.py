"""preadv, pwritev, preadv2, pwritev2 (fs/read_write.c).

On x86-64 the position comes as pos_l and pos_h (pos_from_hilo): a long
holds it whole, so pos_h shifts out and pos_l is the position. preadv2 and
pwritev2 take -1 for "the file's own position" and per-call RWF_ flags.
"""

from __future__ import annotations

from typing import Final

from syscalltbl.machine.kernel.fifo import Fifo
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import Directory, OpenFile, PipeEnd
from syscalltbl.machine.syscalls.fs import _iovecs, _write_from, do_readv, fd_nopath
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, EISDIR, EOPNOTSUPP, ESPIPE, Errno
from syscalltbl.machine.uapi.fcntl import O_APPEND, O_NONBLOCK
from syscalltbl.machine.uapi.rwf import (
    RWF_APPEND,
    RWF_ATOMIC,
    RWF_DONTCACHE,
    RWF_HIPRI,
    RWF_NOAPPEND,
    RWF_NOWAIT,
    RWF_SUPPORTED,
)

LOFF_MAX: Final = (1 << 63) - 1


def _position(pos_l: int) -> int:
    """pos_from_hilo on a 64-bit kernel: the low word, as a signed loff_t."""
    pos_l &= (1 << 64) - 1
    return pos_l - (1 << 64) if pos_l >> 63 else pos_l


def _flag_errors(f: OpenFile, flags: int, *, write: bool) -> None:
    """kiocb_set_rw_flags: EOPNOTSUPP for a flag unknown or this file cannot honour; EINVAL for a contradiction."""
    if flags & ~RWF_SUPPORTED:
        raise Errno(EOPNOTSUPP)
    if flags & RWF_APPEND and flags & RWF_NOAPPEND:
        raise Errno(EINVAL)
    if flags & RWF_NOWAIT and (not isinstance(f.inode, PipeEnd) or isinstance(f.inode, Fifo)):
        raise Errno(EOPNOTSUPP)  # no FMODE_NOWAIT: pipe(2)'s ends have it, FIFOs and tmpfs files do not
    if flags & RWF_ATOMIC:
        raise Errno(EOPNOTSUPP)  # a read, or a filesystem without FMODE_CAN_ATOMIC_WRITE (tmpfs)
    if flags & RWF_DONTCACHE:
        raise Errno(EOPNOTSUPP)  # tmpfs has no FOP_DONTCACHE


def _open_file(t: Task, fd: int, pos: int, *, write: bool) -> OpenFile:
    """fdget, then FMODE_PREAD/PWRITE for a position (ESPIPE), then the access mode (EBADF)."""
    f = fd_nopath(t, fd)
    if pos != -1 and not f.inode.seekable():
        raise Errno(ESPIPE)
    if not (f.writable() if write else f.readable()):
        raise Errno(EBADF)
    return f


def _verify_area(f: OpenFile, pos: int, vecs: list[tuple[int, int]]) -> int:
    """The bytes asked for; EINVAL when they would end past the largest loff_t (rw_verify_area)."""
    total = sum(n for _, n in vecs)
    start = f.offset if pos == -1 else pos
    if total and f.inode.seekable() and start + total > LOFF_MAX:
        raise Errno(EINVAL)
    return total


def do_preadv2(t: Task, fd: int, iov: int, vlen: int, pos: int, flags: int) -> int:
    if pos < -1:
        raise Errno(EINVAL)
    f = _open_file(t, fd, pos, write=False)
    vecs = _iovecs(t, iov, vlen)
    if not _verify_area(f, pos, vecs):
        return 0  # vfs_readv returns before the flags are looked at
    if isinstance(f.inode, Directory):
        # No ->read_iter: do_loop_readv_writev takes no flag but RWF_HIPRI, then generic_read_dir refuses.
        raise Errno(EOPNOTSUPP if flags & ~RWF_HIPRI else EISDIR)
    _flag_errors(f, flags, write=False)
    saved_offset, saved_flags = f.offset, f.flags
    if pos != -1:
        f.offset = pos
    if flags & RWF_NOWAIT:
        f.flags |= O_NONBLOCK
    try:
        return do_readv(t, f, vecs)
    finally:
        f.flags = saved_flags
        if pos != -1:
            f.offset = saved_offset


def do_pwritev2(t: Task, fd: int, iov: int, vlen: int, pos: int, flags: int) -> int:
    if pos < -1:
        raise Errno(EINVAL)
    f = _open_file(t, fd, pos, write=True)
    vecs = _iovecs(t, iov, vlen)
    if not _verify_area(f, pos, vecs):
        return 0
    _flag_errors(f, flags, write=True)
    saved_offset, saved_flags = f.offset, f.flags
    if pos != -1:
        f.offset = pos
    if flags & RWF_NOWAIT:
        f.flags |= O_NONBLOCK
    if flags & RWF_APPEND:
        f.flags |= O_APPEND
    if flags & RWF_NOAPPEND:
        f.flags &= ~O_APPEND
    try:
        return _write_from(t, f, vecs)
    finally:
        f.flags = saved_flags
        if pos != -1:
            f.offset = saved_offset


@syscall("sys_preadv")
def sys_preadv(t: Task, fd: int, iov: int, vlen: int, pos_l: int, pos_h: int, *_: int) -> int:
    pos = _position(pos_l)
    if pos < 0:
        raise Errno(EINVAL)
    return do_preadv2(t, fd, iov, vlen, pos, 0)


@syscall("sys_pwritev")
def sys_pwritev(t: Task, fd: int, iov: int, vlen: int, pos_l: int, pos_h: int, *_: int) -> int:
    pos = _position(pos_l)
    if pos < 0:
        raise Errno(EINVAL)
    return do_pwritev2(t, fd, iov, vlen, pos, 0)


@syscall("sys_preadv2")
def sys_preadv2(t: Task, fd: int, iov: int, vlen: int, pos_l: int, pos_h: int, flags: int) -> int:
    return do_preadv2(t, fd, iov, vlen, _position(pos_l), flags & 0xFFFFFFFF)


@syscall("sys_pwritev2")
def sys_pwritev2(t: Task, fd: int, iov: int, vlen: int, pos_l: int, pos_h: int, flags: int) -> int:
    return do_pwritev2(t, fd, iov, vlen, _position(pos_l), flags & 0xFFFFFFFF)
