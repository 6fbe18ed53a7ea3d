"""The argument conventions of the file calls: an `int`, a user path, where an *at call's path starts.

Shared by many families (fs.py's and others'): here, apart from fs.py, so that a family which only
reads its arguments so does not import the file calls' whole family with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.uaccess import strncpy_from_user
from syscalltbl.machine.kernel.vfs import Directory
from syscalltbl.machine.uapi.errno import ENAMETOOLONG, ENOENT, ENOTDIR, Errno
from syscalltbl.machine.uapi.fcntl import AT_EMPTY_PATH, AT_FDCWD
from syscalltbl.machine.uapi.misc import PATH_MAX

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

MAX_RW_COUNT = 0x7FFFF000  # include/linux/fs.h: INT_MAX rounded down to a page


def s32(value: int) -> int:
    """An `int` argument: the low half of the register, sign-extended."""
    return ((value & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000


def user_path(t: Task, addr: int) -> bytes:
    path = strncpy_from_user(t.mm, addr, PATH_MAX)
    if len(path) >= PATH_MAX:
        raise Errno(ENAMETOOLONG)
    if not path:
        raise Errno(ENOENT)
    return path


def user_path_maybe_empty(t: Task, addr: int, at_flags: int) -> bytes:
    """getname_maybe_null: with AT_EMPTY_PATH a NULL or empty path is allowed (b"": the call's dfd itself)."""
    if not at_flags & AT_EMPTY_PATH:
        return user_path(t, addr)
    path = strncpy_from_user(t.mm, addr, PATH_MAX) if addr else b""
    if len(path) >= PATH_MAX:
        raise Errno(ENAMETOOLONG)
    return path


def base_dir(t: Task, dirfd: int, name: bytes = b"") -> Directory:
    """Where a relative path of an *at call starts; an absolute `name` ignores `dirfd`, whatever it is."""
    dirfd = s32(dirfd)
    if dirfd == AT_FDCWD or name.startswith(b"/"):
        return t.fs.cwd
    inode = t.files.get(dirfd).inode
    if not isinstance(inode, Directory):
        raise Errno(ENOTDIR)
    return inode
