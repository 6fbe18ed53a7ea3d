"""sysfs (fs/filesystems.c) and ustat (fs/statfs.c): what a program may ask about the filesystems as a whole."""

from __future__ import annotations

from syscalltbl.machine.kernel.fstypes import FILESYSTEM_TYPES, fs_index, fs_name
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.vfs import FS_DEV
from syscalltbl.machine.syscalls.fs import _statfs, user_path
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.structs import STATFS
from syscalltbl.machine.uapi.ustat import USTAT

# sysfs(2)'s options
GET_FS_INDEX = 1
GET_FS_NAME = 2
GET_FS_COUNT = 3


@syscall("sys_sysfs")
def sys_sysfs(t: Task, option: int, arg1: int, arg2: int, *_: int) -> int:
    option &= 0xFFFFFFFF
    if option == GET_FS_INDEX:
        index = fs_index(user_path(t, arg1))  # getname: EFAULT, ENAMETOOLONG, ENOENT for ""
        if index is None:
            raise Errno(EINVAL)
        return index
    if option == GET_FS_NAME:
        name = fs_name(arg1 & 0xFFFFFFFF)  # the index is an unsigned int
        if name is None:
            raise Errno(EINVAL)
        copy_to_user(t.mm, arg2, name + b"\0")
        return 0
    if option == GET_FS_COUNT:
        return len(FILESYSTEM_TYPES)
    raise Errno(EINVAL)


def _decode_dev(dev: int) -> int:
    """new_decode_dev then the kernel's own dev_t: the machine's files all sit on the one device FS_DEV."""
    major = (dev & 0xFFF00) >> 8
    minor = (dev & 0xFF) | ((dev >> 12) & 0xFFF00)
    return major << 20 | minor


@syscall("sys_ustat")
def sys_ustat(t: Task, dev: int, ubuf: int, *_: int) -> int:
    """The free blocks and inodes of the filesystem mounted from `dev` (EINVAL if none is)."""
    if _decode_dev(dev & 0xFFFFFFFF) != _decode_dev(FS_DEV):
        raise Errno(EINVAL)
    fields = STATFS.unpack(_statfs(t, t.machine.fs.root))
    f_bfree, f_ffree = fields[3], fields[6]
    copy_to_user(t.mm, ubuf, USTAT.pack(f_bfree & 0xFFFFFFFF, f_ffree, b"", b""))
    return 0
