"""open_tree(2), move_mount(2) and mount_setattr(2) (fs/namespace.c): the mount API that works on descriptors.

A descriptor open_tree(OPEN_TREE_CLONE) gives holds a detached copy of a
mount, which move_mount attaches (or which goes when the last descriptor
does); one without the flag is an O_PATH descriptor of the path. Mounts are
the task's namespace's (kernel/mount.py). fsopen/fsconfig/fsmount/fspick
are not built; statmount and listmount are syscalls/statmount.py.
"""

from __future__ import annotations

import struct
import weakref

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.mount import Mount, MountNamespace
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, strncpy_from_user
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile
from syscalltbl.machine.syscalls.fs import s32, user_path
from syscalltbl.machine.syscalls.mount import containing
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import E2BIG, EBUSY, EINVAL, ELOOP, ENOSPC, ENOTDIR, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_CLOEXEC, O_PATH
from syscalltbl.machine.uapi.misc import PATH_MAX
from syscalltbl.machine.uapi.mount import (
    AT_NO_AUTOMOUNT,
    AT_RECURSIVE,
    MOUNT_ATTR__ATIME,
    MOUNT_ATTR_IDMAP,
    MOUNT_ATTR_NOATIME,
    MOUNT_ATTR_NODEV,
    MOUNT_ATTR_NODIRATIME,
    MOUNT_ATTR_NOEXEC,
    MOUNT_ATTR_NOSUID,
    MOUNT_ATTR_NOSYMFOLLOW,
    MOUNT_ATTR_RDONLY,
    MOUNT_ATTR_RELATIME,
    MOUNT_ATTR_SIZE_VER0,
    MOUNT_ATTR_STRICTATIME,
    MOVE_MOUNT__MASK,
    MOVE_MOUNT_BENEATH,
    MOVE_MOUNT_F_EMPTY_PATH,
    MOVE_MOUNT_F_SYMLINKS,
    MOVE_MOUNT_SET_GROUP,
    MOVE_MOUNT_T_EMPTY_PATH,
    MOVE_MOUNT_T_SYMLINKS,
    MS_NOATIME,
    MS_NODEV,
    MS_NODIRATIME,
    MS_NOEXEC,
    MS_NOSUID,
    MS_NOSYMFOLLOW,
    MS_PRIVATE,
    MS_RDONLY,
    MS_RELATIME,
    MS_SHARED,
    MS_SLAVE,
    MS_UNBINDABLE,
    OPEN_TREE_CLONE,
)

MOUNT_ATTR = struct.Struct("<QQQQ")  # attr_set, attr_clr, propagation, userns_fd
#: MOUNT_ATTR_* -> the mount flag it stands for (the atime ones are handled apart).
ATTR_FLAGS = ((MOUNT_ATTR_RDONLY, MS_RDONLY), (MOUNT_ATTR_NOSUID, MS_NOSUID), (MOUNT_ATTR_NODEV, MS_NODEV),
              (MOUNT_ATTR_NOEXEC, MS_NOEXEC), (MOUNT_ATTR_NODIRATIME, MS_NODIRATIME),
              (MOUNT_ATTR_NOSYMFOLLOW, MS_NOSYMFOLLOW))
VALID_ATTRS = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME \
    | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSYMFOLLOW
PROPAGATION_TYPES = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE

#: The detached mount an open_tree(OPEN_TREE_CLONE) descriptor holds, until move_mount attaches it.
_DETACHED: weakref.WeakKeyDictionary[OpenFile, Mount] = weakref.WeakKeyDictionary()


def _capable(t: Task) -> None:
    if not t.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)  # may_mount


def _resolve(t: Task, dirfd: int, path: int, *, empty: bool, follow: bool) -> tuple[Inode, OpenFile | None]:
    """The inode `path` names from `dirfd` (and the open file, for "" with `empty`: dirfd itself)."""
    name = strncpy_from_user(t.mm, path, PATH_MAX)
    dirfd = s32(dirfd)
    if not name and empty:
        if dirfd == AT_FDCWD:
            return t.fs.cwd, None
        f = t.files.get(dirfd)
        return f.inode, f
    name = user_path(t, path)
    start = t.fs.cwd
    if not name.startswith(b"/") and dirfd != AT_FDCWD:
        base = t.files.get(dirfd).inode
        if not isinstance(base, Directory):
            raise Errno(ENOTDIR)
        start = base
    return t.machine.fs.lookup(t, name, start, follow=follow), None


@syscall("sys_open_tree")
def sys_open_tree(t: Task, dfd: int, filename: int, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~(AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | OPEN_TREE_CLONE | O_CLOEXEC):
        raise Errno(EINVAL)
    if flags & (AT_RECURSIVE | OPEN_TREE_CLONE) == AT_RECURSIVE:
        raise Errno(EINVAL)
    clone = bool(flags & OPEN_TREE_CLONE)
    if clone:
        _capable(t)
    empty, follow = bool(flags & AT_EMPTY_PATH), not flags & AT_SYMLINK_NOFOLLOW
    node, _opened = _resolve(t, dfd, filename, empty=empty, follow=follow)
    ns = t.machine.fs.namespace(t)
    detached = None
    if clone:
        origin = containing(ns, node)
        if origin is None:
            raise Errno(EINVAL)
        if origin.unbindable:
            raise Errno(EINVAL)
        assert node.sb is not None
        detached = Mount(node.sb, node, None, None, origin.flags)
        detached.group = origin.group
    f = OpenFile(node, O_PATH, t.machine.fs.path_of(node, task=t) if isinstance(node, Directory) else b"")
    fd = t.files.install(f, cloexec=bool(flags & O_CLOEXEC), limit=t.nofile())
    if detached is not None:
        _DETACHED[f] = detached
    return fd


@syscall("sys_move_mount")
def sys_move_mount(t: Task, from_dfd: int, from_path: int, to_dfd: int, to_path: int, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~MOVE_MOUNT__MASK:
        raise Errno(EINVAL)
    if flags & (MOVE_MOUNT_BENEATH | MOVE_MOUNT_SET_GROUP) == MOVE_MOUNT_BENEATH | MOVE_MOUNT_SET_GROUP:
        raise Errno(EINVAL)
    _capable(t)
    # The target first, as Linux 6.x looks them up.
    target, _opened = _resolve(t, to_dfd, to_path, empty=bool(flags & MOVE_MOUNT_T_EMPTY_PATH),
                               follow=bool(flags & MOVE_MOUNT_T_SYMLINKS))
    source, source_file = _resolve(t, from_dfd, from_path, empty=bool(flags & MOVE_MOUNT_F_EMPTY_PATH),
                                   follow=bool(flags & MOVE_MOUNT_F_SYMLINKS))
    ns = t.machine.fs.namespace(t)
    if flags & MOVE_MOUNT_SET_GROUP:
        return _set_group(ns, source, target)
    moving = _DETACHED.get(source_file) if source_file is not None else None
    if moving is None:
        moving = ns.mount_of(source)
        if moving is None or moving.parent is None or moving.mountpoint is None:
            raise Errno(EINVAL)  # not a mount's root, or the namespace's root
    if isinstance(target, Directory) != isinstance(moving.root, Directory):
        raise Errno(ENOTDIR)
    if flags & MOVE_MOUNT_BENEATH:
        _beneath(ns, moving, target)
    else:
        parent = containing(ns, target)
        if parent is None:
            raise Errno(EINVAL)
        if moving not in ns.mounts and not ns.room():
            raise Errno(ENOSPC)
        if moving in ns.mounts:
            if parent in ns.subtree(moving):
                raise Errno(ELOOP)
            ns.detach(moving)
        ns.attach(moving, parent, target)
    if source_file is not None:
        _DETACHED.pop(source_file, None)  # attached now: closing the descriptor leaves it mounted
    return 0


def _beneath(ns: MountNamespace, moving: Mount, target: Inode) -> None:
    """MOVE_MOUNT_BENEATH: `moving` goes between the top mount at `target` and what that one covers."""
    top = ns.mount_of(target)
    if top is None:
        raise Errno(EINVAL)  # the target must be a mount's root
    if top.parent is None or top.mountpoint is None:
        raise Errno(EINVAL)  # nothing under the namespace's root
    if top is moving or (moving in ns.mounts and top in ns.subtree(moving)):
        raise Errno(EINVAL)
    if moving in ns.mounts:
        ns.detach(moving)
    elif not ns.room():
        raise Errno(ENOSPC)
    ns.attach_beneath(moving, top)


def _set_group(ns: MountNamespace, source: Inode, target: Inode) -> int:
    """MOVE_MOUNT_SET_GROUP: the target mount joins the source's peer group (do_set_group)."""
    src, dst = ns.mount_of(source), ns.mount_of(target)
    if src is None or dst is None:
        raise Errno(EINVAL)
    if src.sb is not dst.sb:
        raise Errno(EINVAL)
    if dst.group or dst.master:
        raise Errno(EBUSY)
    dst.group, dst.master = src.group, src.master
    return 0


@syscall("sys_mount_setattr")
def sys_mount_setattr(t: Task, dfd: int, path: int, flags: int, uattr: int, usize: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~(AT_EMPTY_PATH | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT):
        raise Errno(EINVAL)
    if usize > PAGE_SIZE:
        raise Errno(E2BIG)
    if usize < MOUNT_ATTR_SIZE_VER0:
        raise Errno(EINVAL)
    _capable(t)
    data = copy_from_user(t.mm, uattr, usize)
    if any(data[MOUNT_ATTR.size:]):
        raise Errno(E2BIG)  # copy_struct_from_user: a longer struct's unknown tail must be zero
    attr_set, attr_clr, propagation, _userns = MOUNT_ATTR.unpack(data[:MOUNT_ATTR.size])
    if not attr_set and not attr_clr and not propagation:
        return 0  # nothing to do: the path is not even looked up
    set_flags, clear_flags = _mount_flags(attr_set, attr_clr, propagation)
    node, f = _resolve(t, dfd, path, empty=bool(flags & AT_EMPTY_PATH), follow=not flags & AT_SYMLINK_NOFOLLOW)
    ns = t.machine.fs.namespace(t)
    mount = _DETACHED.get(f) if f is not None else None
    if mount is None:
        mount = ns.mount_of(node)
        if mount is None:
            raise Errno(EINVAL)  # the path must be a mount's root
    targets = ns.subtree(mount) if flags & AT_RECURSIVE and mount in ns.mounts else [mount]
    for m in targets:
        m.flags = m.flags & ~clear_flags | set_flags
        if propagation:
            m.set_propagation(propagation, ns)
    return 0


def _mount_flags(attr_set: int, attr_clr: int, propagation: int) -> tuple[int, int]:
    """build_mount_kattr: the mount flags to set and to clear, with Linux's EINVALs."""
    if propagation & ~PROPAGATION_TYPES or (propagation & PROPAGATION_TYPES).bit_count() > 1:
        raise Errno(EINVAL)
    if (attr_set | attr_clr) & ~VALID_ATTRS:
        raise Errno(EINVAL)
    if attr_set & MOUNT_ATTR_IDMAP:
        raise Errno(EINVAL)  # userns_fd must name a user namespace: this machine has none to give
    set_flags = sum(flag for attr, flag in ATTR_FLAGS if attr_set & attr)
    clear_flags = sum(flag for attr, flag in ATTR_FLAGS if attr_clr & attr)
    if attr_clr & MOUNT_ATTR__ATIME:
        if attr_clr & MOUNT_ATTR__ATIME != MOUNT_ATTR__ATIME:
            raise Errno(EINVAL)
        clear_flags |= MS_RELATIME | MS_NOATIME
        atime = attr_set & MOUNT_ATTR__ATIME
        if atime == MOUNT_ATTR_RELATIME:
            set_flags |= MS_RELATIME
        elif atime == MOUNT_ATTR_NOATIME:
            set_flags |= MS_NOATIME
        elif atime != MOUNT_ATTR_STRICTATIME:
            raise Errno(EINVAL)
    elif attr_set & MOUNT_ATTR__ATIME:
        raise Errno(EINVAL)
    return set_flags, clear_flags
