"""sysfs(2) (fs/filesystems.c) and ustat(2) (fs/statfs.c): which filesystem types the machine has, and
how full a mounted filesystem is, by its device number."""

from __future__ import annotations

import struct

from syscalltbl.machine.kernel.fstypes import FILESYSTEMS
from syscalltbl.machine.kernel.mount import Superblock
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user, strncpy_from_user
from syscalltbl.machine.kernel.vfs import BLOCK_SIZE, UNLIMITED_ROOM
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, ENOENT, Errno
from syscalltbl.machine.uapi.misc import PATH_MAX

#: struct ustat on x86-64: int f_tfree, ino_t f_tinode, char f_fname[6], char f_fpack[6].
USTAT = struct.Struct("<i4xQ6s6s4x")


@syscall("sys_sysfs")
def sys_sysfs(t: Task, option: int, arg1: int, arg2: int, *_: int) -> int:
    option = ((option & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000
    if option == 1:  # fs_index: the index of the type named at arg1
        name = strncpy_from_user(t.mm, arg1, PATH_MAX)
        if not name:
            raise Errno(ENOENT)  # getname: an empty name
        if name not in FILESYSTEMS:
            raise Errno(EINVAL)
        return FILESYSTEMS.index(name)
    if option == 2:  # fs_name: the name of type arg1, into arg2
        index = arg1 & 0xFFFFFFFF
        if index >= len(FILESYSTEMS):
            raise Errno(EINVAL)
        copy_to_user(t.mm, arg2, FILESYSTEMS[index] + b"\0")
        return 0
    if option == 3:  # fs_maxindex
        return len(FILESYSTEMS)
    raise Errno(EINVAL)


def _decode_dev(dev: int) -> int:
    """new_decode_dev, then the machine's st_dev encoding (major 0: the minor alone)."""
    major = (dev & 0xFFF00) >> 8
    minor = (dev & 0xFF) | ((dev >> 12) & 0xFFF00)
    return (major << 8) | minor if major else minor


@syscall("sys_ustat")
def sys_ustat(t: Task, dev: int, ubuf: int, *_: int) -> int:
    wanted = _decode_dev(dev & 0xFFFFFFFF)
    ns = t.machine.fs.namespace(t)
    sb = next((m.sb for m in ns.mounts if m.sb.dev == wanted), None)
    if sb is None:
        raise Errno(EINVAL)  # user_get_super: no filesystem with that device
    copy_to_user(t.mm, ubuf, USTAT.pack(*_free(t, sb), b"", b""))
    return 0


def _free(t: Task, sb: Superblock) -> tuple[int, int]:
    """(free blocks, free inodes), as statfs reports them for the filesystem."""
    space = sb.space if sb.space is not None else (t.machine.fs.space if sb.fstype == b"tmpfs" else None)
    if space is not None:
        return space.free_pages, max(space.max_inodes - space.used_inodes, 0)
    if sb.fstype in (b"tmpfs", b"ramfs"):
        free = UNLIMITED_ROOM // BLOCK_SIZE  # an unlimited tree: room for one large file
        return free, free
    return 0, 0
