"""inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch (fs/notify/inotify/inotify_user.c)."""

from __future__ import annotations

from syscalltbl.machine.kernel import permission
from syscalltbl.machine.kernel.inotify import InotifyGroup, new_group
from syscalltbl.machine.kernel.permission import MAY_READ
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import Directory, OpenFile
from syscalltbl.machine.syscalls.fs import s32, user_path
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, ENOTDIR, Errno
from syscalltbl.machine.uapi.fcntl import O_RDONLY
from syscalltbl.machine.uapi.inotify import (
    IN_CLOEXEC,
    IN_DONT_FOLLOW,
    IN_IGNORED,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_NONBLOCK,
    IN_ONLYDIR,
    IN_Q_OVERFLOW,
    IN_UNMOUNT,
    IN_USER_MASK,
)

#: ALL_INOTIFY_BITS: a mask with none of these is no request at all.
_ALL_INOTIFY_BITS = IN_USER_MASK | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED


def do_inotify_init(t: Task, flags: int) -> int:
    if flags & ~(IN_CLOEXEC | IN_NONBLOCK):
        raise Errno(EINVAL)
    group = new_group(t.machine.inotify, t.cred.euid, t.machine.ram)
    f = OpenFile(group, O_RDONLY | (flags & IN_NONBLOCK), b"anon_inode:inotify")
    try:
        return t.files.install(f, cloexec=bool(flags & IN_CLOEXEC), limit=t.nofile())
    except Errno:
        group.release(f)
        raise


@syscall("sys_inotify_init1")
def sys_inotify_init1(t: Task, flags: int, *_: int) -> int:
    return do_inotify_init(t, s32(flags))


@syscall("sys_inotify_init")
def sys_inotify_init(t: Task, *_: int) -> int:
    return do_inotify_init(t, 0)


def _group(t: Task, fd: int) -> InotifyGroup:
    inode = t.files.get(s32(fd)).inode
    if not isinstance(inode, InotifyGroup):
        raise Errno(EINVAL)  # not an inotify instance
    return inode


@syscall("sys_inotify_add_watch")
def sys_inotify_add_watch(t: Task, fd: int, path: int, mask: int, *_: int) -> int:
    mask &= 0xFFFFFFFF
    if mask & IN_MASK_ADD and mask & IN_MASK_CREATE:
        raise Errno(EINVAL)
    if not mask & _ALL_INOTIFY_BITS:
        raise Errno(EINVAL)
    group = _group(t, fd)
    name = user_path(t, path)
    start = t.fs.cwd
    inode = t.machine.fs.lookup(t, name, start, follow=not mask & IN_DONT_FOLLOW)
    if mask & IN_ONLYDIR and not isinstance(inode, Directory):
        raise Errno(ENOTDIR)
    permission.check(t.cred, inode, MAY_READ)  # inotify_find_inode: a watch is a way to read
    return group.add_watch(inode, mask)


@syscall("sys_inotify_rm_watch")
def sys_inotify_rm_watch(t: Task, fd: int, wd: int, *_: int) -> int:
    _group(t, fd).remove_watch(s32(wd))
    return 0
