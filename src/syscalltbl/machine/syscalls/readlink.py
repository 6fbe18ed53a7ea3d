"""readlink and readlinkat (fs/stat.c do_readlinkat)."""

from __future__ import annotations

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.vfs import Symlink
from syscalltbl.machine.syscalls.fileargs import base_dir, s32, user_path_maybe_empty
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, ENOENT, Errno
from syscalltbl.machine.uapi.fcntl import AT_EMPTY_PATH, AT_FDCWD


def do_readlinkat(t: Task, dirfd: int, path: int, buf: int, size: int) -> int:
    if s32(size) <= 0:
        raise Errno(EINVAL)
    name = user_path_maybe_empty(t, path, AT_EMPTY_PATH)
    if not name:  # "": dirfd itself, an O_PATH descriptor of a symlink (getname_flags' LOOKUP_EMPTY)
        inode = t.fs.cwd if s32(dirfd) == AT_FDCWD else t.files.get(s32(dirfd)).inode
        if not isinstance(inode, Symlink):
            raise Errno(ENOENT)
    else:
        inode = t.machine.fs.lookup(t, name, base_dir(t, dirfd, name), follow=False)
    if not isinstance(inode, Symlink):
        raise Errno(EINVAL)
    target = inode.target(t)[: s32(size)]
    copy_to_user(t.mm, buf, target)
    return len(target)


@syscall("sys_readlinkat")
def sys_readlinkat(t: Task, dirfd: int, path: int, buf: int, size: int, *_: int) -> int:
    return do_readlinkat(t, dirfd, path, buf, size)


@syscall("sys_readlink")
def sys_readlink(t: Task, path: int, buf: int, size: int, *_: int) -> int:
    return do_readlinkat(t, AT_FDCWD, path, buf, size)
