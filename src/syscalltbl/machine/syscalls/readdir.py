"""getdents and getdents64 (fs/readdir.c): a directory's listing as records.

getdents64's struct linux_dirent64 has d_type before the name; the old
getdents' struct linux_dirent (what dietlibc's readdir reads) has none in
the struct: d_type is the last byte of the record, after the name's NUL.
Both go on from the file's offset, the position of the last record they
returned, and answer EINVAL when the buffer cannot hold the first record.
On x86-64 both d_ino and d_off are 64 bits wide: no inode number overflows
the old record (its EOVERFLOW is a 32-bit kernel's).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.vfs import Directory
from syscalltbl.machine.syscalls.fs import fd_nopath, s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, ENOTDIR, Errno

#: (position, name, inode number, DT_*) -> the record's bytes, padded to its d_reclen.
Record = Callable[[int, bytes, int, int], bytes]


def dirent64(position: int, name: bytes, ino: int, dtype: int) -> bytes:
    reclen = (19 + len(name) + 1 + 7) & ~7  # offsetof(d_name) + the name + NUL, to 8 bytes
    return (struct.pack("<QqHB", ino, position, reclen, dtype) + name).ljust(reclen, b"\0")


def dirent(position: int, name: bytes, ino: int, dtype: int) -> bytes:
    reclen = (18 + len(name) + 2 + 7) & ~7  # offsetof(d_name) + the name + NUL + d_type, to 8 bytes
    record = (struct.pack("<QqH", ino, position, reclen) + name).ljust(reclen - 1, b"\0")
    return record + bytes([dtype])


def do_getdents(t: Task, fd: int, dirp: int, count: int, record: Record) -> int:
    f = fd_nopath(t, fd)
    if not isinstance(f.inode, Directory):
        raise Errno(ENOTDIR)
    count = s32(count)  # the callback's `int count`: past INT_MAX it is negative, and no record fits (EINVAL)
    out = bytearray()
    listing = f.inode.dirents(t, fresh=f.offset == 0)
    f.inode.accessed()
    # The file's offset is the position of the last record returned: the listing goes on after it.
    offset = f.offset
    for position, name, ino, dtype in listing:
        if position <= offset:
            continue
        made = record(position, name, ino, dtype)
        if len(out) + len(made) > count:
            if not out:
                raise Errno(EINVAL)  # the buffer cannot hold one entry
            break
        out += made
        offset = position
    copy_to_user(t.mm, dirp, out)
    f.offset = offset
    return len(out)


@syscall("sys_getdents64")
def sys_getdents64(t: Task, fd: int, dirp: int, count: int, *_: int) -> int:
    return do_getdents(t, fd, dirp, count, dirent64)


@syscall("sys_getdents")
def sys_getdents(t: Task, fd: int, dirp: int, count: int, *_: int) -> int:
    return do_getdents(t, fd, dirp, count, dirent)
