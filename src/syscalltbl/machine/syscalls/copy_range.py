"""copy_file_range (fs/read_write.c) and sync_file_range (fs/sync.c).

copy_file_range copies between two regular files of the machine's one
filesystem, at offsets or the files' positions, stopping at the input's end;
sync_file_range checks its arguments and has nothing to write back, every
file being in memory already.
"""

from __future__ import annotations

import stat

from syscalltbl.machine.kernel import fsnotify
from syscalltbl.machine.kernel.fsize import write_limit
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import Regular
from syscalltbl.machine.syscalls.fs import MAX_RW_COUNT, _write, fd_nopath, s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, EISDIR, EOVERFLOW, ESPIPE, Errno
from syscalltbl.machine.uapi.fcntl import O_APPEND
from syscalltbl.machine.uapi.structs import LOFF
from syscalltbl.machine.uapi.sync_file_range import SYNC_FILE_RANGE_VALID

_S64_MAX = (1 << 63) - 1

COPY_CHUNK = 1 << 20  # what one read of the source takes


def _s64(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >> 63 else value


def _user_offset(t: Task, addr: int) -> int | None:
    return int(LOFF.unpack(copy_from_user(t.mm, addr, LOFF.size))[0]) if addr else None


@syscall("sys_copy_file_range")
def sys_copy_file_range(t: Task, fd_in: int, off_in: int, fd_out: int, off_out: int, length: int,
                        flags: int) -> int:
    if flags & 0xFFFFFFFF:
        raise Errno(EINVAL)
    src, dst = fd_nopath(t, fd_in), fd_nopath(t, fd_out)
    pos_in_user, pos_out_user = _user_offset(t, off_in), _user_offset(t, off_out)
    pos_in = src.offset if pos_in_user is None else pos_in_user
    pos_out = dst.offset if pos_out_user is None else pos_out_user
    # generic_file_rw_checks
    if stat.S_ISDIR(src.inode.mode) or stat.S_ISDIR(dst.inode.mode):
        raise Errno(EISDIR)
    if not isinstance(src.inode, Regular) or not isinstance(dst.inode, Regular):
        raise Errno(EINVAL)
    if not src.readable() or not dst.writable() or dst.flags & O_APPEND:
        raise Errno(EBADF)
    count = min(length, MAX_RW_COUNT)
    if pos_in + count > _S64_MAX or pos_out + count > _S64_MAX:
        raise Errno(EOVERFLOW)
    if pos_in < 0 or pos_out < 0:
        raise Errno(EINVAL)
    size_in = src.inode.size()
    count = 0 if pos_in >= size_in else min(count, size_in - pos_in)
    if count:
        count = write_limit(t, pos_out, count)  # generic_write_check_limits: EFBIG and SIGXFSZ
    if src.inode is dst.inode and pos_out + count > pos_in and pos_out < pos_in + count:
        raise Errno(EINVAL)  # overlapping ranges of one file
    if not count:
        return 0
    saved_in, saved_out = src.offset, dst.offset
    src.offset, dst.offset = pos_in, pos_out
    written = 0
    try:
        while written < count:  # a piece at a time: a sparse file's hole is never one host buffer of its size
            data = src.inode.read(src, min(count - written, COPY_CHUNK))
            try:
                done = _write(t, dst, data) if data else 0
            except Errno:
                if not written:
                    raise
                break  # a short copy: what was copied before the error counts
            written += done
            if done < len(data) or not data:
                break
    finally:
        end_in, end_out = pos_in + written, dst.offset
        src.offset = saved_in if pos_in_user is not None else end_in
        dst.offset = saved_out if pos_out_user is not None else end_out
    if pos_in_user is not None:
        copy_to_user(t.mm, off_in, LOFF.pack(pos_in + written))
    if pos_out_user is not None:
        copy_to_user(t.mm, off_out, LOFF.pack(pos_out + written))
    if written:
        fsnotify.accessed(src)
        fsnotify.modified(dst)
    return written


@syscall("sys_sync_file_range")
def sys_sync_file_range(t: Task, fd: int, offset: int, nbytes: int, flags: int, *_: int) -> int:
    f = fd_nopath(t, s32(fd))
    if flags & 0xFFFFFFFF & ~SYNC_FILE_RANGE_VALID:
        raise Errno(EINVAL)
    offset, nbytes = _s64(offset), _s64(nbytes)
    end = offset + nbytes
    if offset < 0 or end < 0 or end > _S64_MAX or end < offset:
        raise Errno(EINVAL)
    if stat.S_IFMT(f.inode.mode) not in (stat.S_IFREG, stat.S_IFBLK, stat.S_IFDIR, stat.S_IFLNK):
        raise Errno(ESPIPE)
    return 0  # nothing to write back: the machine's files are in memory
