"""fanotify_init and fanotify_mark (fs/notify/fanotify/fanotify_user.c); the groups are kernel/fanotify.py's.

A group takes CAP_SYS_ADMIN: an unprivileged group must report file
handles (FAN_REPORT_FID), which the machine does not have, so without the
capability every group is EPERM as Linux's unprivileged non-FID one.
"""

from __future__ import annotations

from syscalltbl.machine.kernel import permission
from syscalltbl.machine.kernel.fanotify import FANOTIFY_PATH_EVENTS, FANOTIFY_PERM_EVENTS, FanotifyGroup, new_group
from syscalltbl.machine.kernel.permission import MAY_READ
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile
from syscalltbl.machine.syscalls.fs import _base, s32, user_path
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, ENOENT, ENOTDIR, EPERM, Errno
from syscalltbl.machine.uapi.fanotify import (
    FAN_ALL_CLASS_BITS,
    FAN_CLASS_CONTENT,
    FAN_CLASS_NOTIF,
    FAN_CLASS_PRE_CONTENT,
    FAN_CLOEXEC,
    FAN_EVENT_ON_CHILD,
    FAN_MARK_ADD,
    FAN_MARK_DONT_FOLLOW,
    FAN_MARK_FLUSH,
    FAN_MARK_IGNORED_MASK,
    FAN_MARK_IGNORED_SURV_MODIFY,
    FAN_MARK_ONLYDIR,
    FAN_MARK_REMOVE,
    FAN_NONBLOCK,
    FAN_ONDIR,
    FAN_REPORT_TID,
    FAN_UNLIMITED_MARKS,
    FAN_UNLIMITED_QUEUE,
)
from syscalltbl.machine.uapi.fcntl import (
    KERNEL_O_LARGEFILE,
    O_ACCMODE,
    O_APPEND,
    O_CLOEXEC,
    O_NOATIME,
    O_NONBLOCK,
    O_PATH,
    O_RDWR,
)

_INIT_FLAGS = (FAN_CLOEXEC | FAN_NONBLOCK | FAN_ALL_CLASS_BITS | FAN_UNLIMITED_QUEUE | FAN_UNLIMITED_MARKS
               | FAN_REPORT_TID)
_O_DSYNC, _O_SYNC = 0o10000, 0o4000000  # O_DSYNC and __O_SYNC
#: FANOTIFY_INIT_ALL_EVENT_F_BITS: the f_flags an event's descriptor may be opened with.
_EVENT_F_BITS = O_ACCMODE | O_APPEND | O_NONBLOCK | _O_SYNC | _O_DSYNC | O_CLOEXEC | KERNEL_O_LARGEFILE | O_NOATIME
_MARK_FLAGS = (FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_DONT_FOLLOW | FAN_MARK_ONLYDIR | FAN_MARK_IGNORED_MASK
               | FAN_MARK_IGNORED_SURV_MODIFY | FAN_MARK_FLUSH)


@syscall("sys_fanotify_init")
def sys_fanotify_init(t: Task, flags: int, event_f_flags: int, *_: int) -> int:
    flags, event_f_flags = flags & 0xFFFFFFFF, event_f_flags & 0xFFFFFFFF
    if not t.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)  # an unprivileged group must report FIDs
    if flags & ~_INIT_FLAGS:
        raise Errno(EINVAL)  # FID, pidfd and audit reporting are not here
    if event_f_flags & ~_EVENT_F_BITS or event_f_flags & O_ACCMODE == O_ACCMODE:
        raise Errno(EINVAL)
    if flags & FAN_ALL_CLASS_BITS not in (FAN_CLASS_NOTIF, FAN_CLASS_CONTENT, FAN_CLASS_PRE_CONTENT):
        raise Errno(EINVAL)
    knobs = t.machine.sysctl.fdkinds
    group = new_group(t.machine, t.cred.uid, flags, event_f_flags, knobs.fanotify_max_user_groups)
    f = OpenFile(group, O_RDWR | (O_NONBLOCK if flags & FAN_NONBLOCK else 0), b"anon_inode:[fanotify]")
    try:
        return t.files.install(f, cloexec=bool(flags & FAN_CLOEXEC), limit=t.nofile())
    except Errno:
        group.release(f)
        raise


def _object(t: Task, dfd: int, pathname: int, flags: int) -> Inode:
    """fanotify_find_path: `pathname` from `dfd`, or `dfd`'s own file when there is none; then MAY_READ."""
    if not pathname:
        f = t.files.get(s32(dfd))
        if f.flags & O_PATH:
            raise Errno(EBADF)
        inode = f.inode
    else:
        name = user_path(t, pathname)
        inode = t.machine.fs.lookup(t, name, _base(t, dfd, name), follow=not flags & FAN_MARK_DONT_FOLLOW)
    if flags & FAN_MARK_ONLYDIR and not isinstance(inode, Directory):
        raise Errno(ENOTDIR)
    permission.check(t.cred, inode, MAY_READ)
    return inode


@syscall("sys_fanotify_mark")
def sys_fanotify_mark(t: Task, fanotify_fd: int, flags: int, mask: int, dfd: int, pathname: int, *_: int) -> int:
    flags = flags & 0xFFFFFFFF
    if flags & ~_MARK_FLAGS:
        raise Errno(EINVAL)  # mount and filesystem marks among them: not here
    action = flags & (FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_FLUSH)
    if action in (FAN_MARK_ADD, FAN_MARK_REMOVE):
        if not mask:
            raise Errno(EINVAL)
    elif action == FAN_MARK_FLUSH:
        if flags & ~FAN_MARK_FLUSH:
            raise Errno(EINVAL)
    else:
        raise Errno(EINVAL)
    if mask & ~(FANOTIFY_PATH_EVENTS | FANOTIFY_PERM_EVENTS | FAN_EVENT_ON_CHILD | FAN_ONDIR):
        raise Errno(EINVAL)  # the directory-entry and inode events want FID reporting
    f = t.files.get(s32(fanotify_fd))
    group = f.inode
    if not isinstance(group, FanotifyGroup):
        raise Errno(EINVAL)
    if mask & FANOTIFY_PERM_EVENTS and group.flags & FAN_ALL_CLASS_BITS == FAN_CLASS_NOTIF:
        raise Errno(EINVAL)  # only a content class group decides on accesses
    if action == FAN_MARK_FLUSH:
        for inode in list(group.marks):
            group.remove_mark(inode)
        return 0
    inode = _object(t, dfd, pathname, flags)
    ignore = bool(flags & FAN_MARK_IGNORED_MASK)
    if action == FAN_MARK_ADD:
        limit = None if group.flags & FAN_UNLIMITED_MARKS else t.machine.sysctl.fdkinds.fanotify_max_user_marks
        mark = group.add_mark(inode, limit)
        if ignore:
            mark.ignored |= mask
            mark.flags |= flags & FAN_MARK_IGNORED_SURV_MODIFY
        else:
            mark.events |= mask
        return 0
    existing = group.mark_on(inode)
    if existing is None:
        raise Errno(ENOENT)
    if ignore:
        existing.ignored &= ~mask
    else:
        existing.events &= ~mask
    if not existing.events and not existing.ignored:
        group.remove_mark(inode)
    return 0


