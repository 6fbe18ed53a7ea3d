"""fcntl's lock commands (fs/fcntl.c, fs/locks.c: fcntl_getlk, fcntl_setlk) and flock(2).

The locks themselves, their owners and their lifetimes are kernel/locks.py's.
"""

from __future__ import annotations

import struct
from typing import Final

from syscalltbl.machine.kernel.locks import OFFSET_MAX, RangeLock, set_flock, set_range_lock
from syscalltbl.machine.kernel.pidns import pid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, EOVERFLOW, Errno
from syscalltbl.machine.uapi.fcntl import (  # fmt: skip
    F_GETLK,
    F_OFD_GETLK,
    F_OFD_SETLK,
    F_OFD_SETLKW,
    F_RDLCK,
    F_SETLK,
    F_SETLKW,
    F_UNLCK,
    F_WRLCK,
    FLOCK_FORMAT,
    LOCK_EX,
    LOCK_MAND,
    LOCK_NB,
    LOCK_SH,
    LOCK_UN,
    O_PATH,
    SEEK_CUR,
    SEEK_END,
    SEEK_SET,
)

FLOCK: Final = struct.Struct(FLOCK_FORMAT)
#: struct flock's fields a query writes back, each on its own so the padding between them stays the caller's.
LOCK_TYPE: Final = struct.Struct("<h")
LOCK_WHENCE: Final = struct.Struct("<h")
LOCK_RANGE: Final = struct.Struct("<qqi")  # l_start, l_len, l_pid
LOCK_RANGE_OFFSET: Final = 8  # after l_type, l_whence and 4 bytes of padding
#: The fcntl commands this module serves (sys_fcntl hands them over).
LOCK_COMMANDS: Final = frozenset({F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW})
_OFD: Final = frozenset({F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW})
_FLOCK_TYPES: Final = {LOCK_SH: F_RDLCK, LOCK_EX: F_WRLCK, LOCK_UN: F_UNLCK}


def _range(f: OpenFile, whence: int, start: int, length: int) -> tuple[int, int]:
    """flock_to_posix_lock: l_whence, l_start and l_len -> [start, end] (end inclusive)."""
    base = {SEEK_SET: 0, SEEK_CUR: f.offset, SEEK_END: f.inode.size()}.get(whence)
    if base is None:
        raise Errno(EINVAL)
    if start > OFFSET_MAX - base:
        raise Errno(EOVERFLOW)
    first = base + start
    if first < 0:
        raise Errno(EINVAL)
    if length > 0:
        if length - 1 > OFFSET_MAX - first:
            raise Errno(EOVERFLOW)
        return first, first + length - 1
    if length < 0:
        if first + length < 0:
            raise Errno(EINVAL)
        return first + length, first - 1
    return first, OFFSET_MAX


def do_fcntl_lock(t: Task, f: OpenFile, cmd: int, arg: int) -> int:
    """F_GETLK, F_SETLK, F_SETLKW and their OFD forms on `f`, with the struct flock at `arg`.

    The checks come in fcntl_getlk's and fcntl_setlk's order: a query's type, the range
    (flock_to_posix_lock), the type, the file's mode for a request, then an OFD call's l_pid.
    """
    if f.flags & O_PATH:
        raise Errno(EBADF)  # check_fcntl_cmd: an O_PATH descriptor takes no lock command
    raw = bytearray(copy_from_user(t.mm, arg, FLOCK.size))
    kind, whence, start, length, pid = FLOCK.unpack(raw)
    ofd = cmd in _OFD
    query = cmd in (F_GETLK, F_OFD_GETLK)
    if cmd == F_GETLK and kind not in (F_RDLCK, F_WRLCK):
        raise Errno(EINVAL)  # only F_OFD_GETLK asks with F_UNLCK (for the caller's own lock)
    first, last = _range(f, whence, start, length)
    if kind not in (F_RDLCK, F_WRLCK, F_UNLCK):
        raise Errno(EINVAL)
    if not query and ((kind == F_RDLCK and not f.readable()) or (kind == F_WRLCK and not f.writable())):
        raise Errno(EBADF)  # check_fmode_for_setlk
    if ofd and pid != 0:
        raise Errno(EINVAL)
    owner: object = f if ofd else t.files
    request = RangeLock(owner, kind, first, last, t.pid, ofd=ofd)
    if query:
        found = f.inode.locks.test(request) if f.inode.locks is not None else None
        # Linux copies the struct back as it came, padding included, with only these fields changed.
        if found is None:
            LOCK_TYPE.pack_into(raw, 0, F_UNLCK)
        else:
            size = 0 if found.end == OFFSET_MAX else found.end - found.start + 1
            LOCK_TYPE.pack_into(raw, 0, found.kind)
            LOCK_WHENCE.pack_into(raw, LOCK_TYPE.size, SEEK_SET)
            LOCK_RANGE.pack_into(raw, LOCK_RANGE_OFFSET, found.start, size,
                              -1 if found.ofd else pid_vnr(t, found.pid))  # locks_translate_pid
        copy_to_user(t.mm, arg, raw)
        return 0
    set_range_lock(t, t.machine.file_locks.of(f.inode), request, wait=cmd in (F_SETLKW, F_OFD_SETLKW))
    return 0


@syscall("sys_flock")
def sys_flock(t: Task, fd: int, cmd: int, *_: int) -> int:
    if cmd & LOCK_MAND:
        return 0  # no longer supported: Linux warns once and succeeds
    kind = _FLOCK_TYPES.get(cmd & ~LOCK_NB)
    if kind is None:
        raise Errno(EINVAL)
    f = t.files.get(fd)
    if f.flags & O_PATH or (kind != F_UNLCK and not (f.readable() or f.writable())):
        raise Errno(EBADF)
    set_flock(t, t.machine.file_locks.of(f.inode), f, kind, wait=not cmd & LOCK_NB)
    return 0
