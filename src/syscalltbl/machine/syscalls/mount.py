"""mount(2) and umount2(2) (fs/namespace.c): the machine's own filesystems over its own tree.

A mount is a record in the task's mount namespace (kernel/mount.py); the
filesystems are the machine's (kernel/fstypes.py). Nothing reaches the host.
"""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel import fstypes
from syscalltbl.machine.kernel.mount import PROPAGATION, Mount, MountNamespace, Superblock
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.procfs import ProcRoot
from syscalltbl.machine.kernel.uaccess import copy_from_user, strncpy_from_user
from syscalltbl.machine.kernel.vfs import Directory, Inode, Regular, Symlink
from syscalltbl.machine.syscalls.fs import user_path
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import (
    EAGAIN,
    EBUSY,
    EINVAL,
    ELOOP,
    ENOENT,
    ENOSPC,
    ENOTDIR,
    EPERM,
    Errno,
)
from syscalltbl.machine.uapi.mount import (
    MNT_DETACH,
    MNT_EXPIRE,
    MNT_FORCE,
    MS_BIND,
    MS_DIRSYNC,
    MS_LAZYTIME,
    MS_MANDLOCK,
    MS_MGC_MSK,
    MS_MGC_VAL,
    MS_MOVE,
    MS_NOATIME,
    MS_NODEV,
    MS_NODIRATIME,
    MS_NOEXEC,
    MS_NOSUID,
    MS_NOSYMFOLLOW,
    MS_NOUSER,
    MS_RDONLY,
    MS_REC,
    MS_RELATIME,
    MS_REMOUNT,
    MS_SILENT,
    MS_STRICTATIME,
    MS_SYNCHRONOUS,
    UMOUNT_NOFOLLOW,
)

#: The superblock flags mount(2) passes on (SB_RDONLY | SB_SYNCHRONOUS | SB_MANDLOCK | SB_DIRSYNC | SB_SILENT...).
SB_FLAGS = MS_RDONLY | MS_SYNCHRONOUS | MS_MANDLOCK | MS_DIRSYNC | MS_SILENT | MS_LAZYTIME


def _mount_string(t: Task, addr: int) -> bytes | None:
    """copy_mount_string: NULL stays None; a string past a page is EINVAL (strndup_user)."""
    if not addr:
        return None
    text = strncpy_from_user(t.mm, addr, PAGE_SIZE)
    if len(text) >= PAGE_SIZE:
        raise Errno(EINVAL)
    return text


def _mount_options(t: Task, addr: int) -> bytes:
    """copy_mount_options: up to a page of data, as much as is readable; the text before its NUL."""
    if not addr:
        return b""
    length = PAGE_SIZE - (addr & (PAGE_SIZE - 1))
    try:
        data = copy_from_user(t.mm, addr, length)
    except Errno:
        if length == PAGE_SIZE:
            raise
        data = copy_from_user(t.mm, addr, 1)  # at least its first byte must be readable (EFAULT)
        data += _readable_rest(t, addr + length)
    return data.split(b"\0", 1)[0][: PAGE_SIZE - 1]


def _readable_rest(t: Task, addr: int) -> bytes:
    try:
        return copy_from_user(t.mm, addr, PAGE_SIZE)
    except Errno:
        return b""


def mount_flags(flags: int) -> int:
    """path_mount's mnt_flags: relatime unless noatime or strictatime is asked for."""
    out = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_NOSYMFOLLOW)
    if not flags & MS_NOATIME:
        out |= MS_RELATIME
    if flags & MS_STRICTATIME:
        out &= ~(MS_RELATIME | MS_NOATIME)
    return out


def _capable(t: Task) -> None:
    if not t.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)  # may_mount


def containing(ns: MountNamespace, node: Inode) -> Mount | None:
    """The mount `node` is reached in (MountNamespace.containing)."""
    return ns.containing(node)


def _mount_root(ns: MountNamespace, node: Inode) -> Mount:
    """The mount whose root `node` is (the path given must be one: EINVAL otherwise)."""
    found = ns.mount_of(node)
    if found is None:
        raise Errno(EINVAL)
    return found


@syscall("sys_mount")
def sys_mount(t: Task, dev_name: int, dir_name: int, fstype: int, flags: int, data: int, *_: int) -> int:
    kind = _mount_string(t, fstype)
    source = _mount_string(t, dev_name)
    options = _mount_options(t, data)
    target = t.machine.fs.lookup(t, user_path(t, dir_name), t.fs.cwd)
    return do_mount(t, source, target, kind, flags, options)


def do_mount(t: Task, source: bytes | None, target: Inode, kind: bytes | None, flags: int, options: bytes) -> int:
    """path_mount: what the flags ask for, in Linux's order of cases."""
    if flags & MS_MGC_MSK == MS_MGC_VAL:
        flags &= ~MS_MGC_MSK
    if flags & MS_NOUSER:
        raise Errno(EINVAL)
    _capable(t)
    mnt_flags = mount_flags(flags)
    sb_flags = flags & SB_FLAGS
    ns = t.machine.fs.namespace(t)
    if flags & (MS_REMOUNT | MS_BIND) == MS_REMOUNT | MS_BIND:
        _mount_root(ns, target).flags = mnt_flags
        return 0
    if flags & MS_REMOUNT:
        return _remount(t, ns, target, sb_flags, mnt_flags, options)
    if flags & MS_BIND:
        return _bind(t, ns, target, source)
    if flags & PROPAGATION:
        return _change_type(ns, target, flags)
    if flags & MS_MOVE:
        return _move(t, ns, target, source)
    return _new_mount(t, ns, target, kind, source, sb_flags, mnt_flags, options)


def _remount(t: Task, ns: MountNamespace, target: Inode, sb_flags: int, mnt_flags: int, options: bytes) -> int:
    """do_remount: the superblock's options and read-only state, then the mount's flags."""
    mount = _mount_root(ns, target)
    sb = mount.sb
    if sb.fstype in (b"tmpfs", b"ramfs"):
        sb_flags |= fstypes.remount_tmpfs(t, sb, options)
    if sb_flags & MS_RDONLY and not sb.readonly and _open_for_write(t, sb):
        raise Errno(EBUSY)  # sb_prepare_remount_readonly: a file open for writing
    sb.readonly = bool(sb_flags & MS_RDONLY)
    sb.flags = sb_flags & ~MS_RDONLY
    mount.flags = mnt_flags
    return 0


def _open_for_write(t: Task, sb: Superblock) -> bool:
    return any(f.inode.sb is sb and f.writable() for task in t.machine.tasks.values()
               for f, _ in task.files.fds.values())


def _attach_point(t: Task, ns: MountNamespace, target: Inode) -> Mount:
    """The mount a new one goes on at `target` (EINVAL: not in this namespace)."""
    if isinstance(target, Symlink) or target.nlink <= 0:
        raise Errno(ENOENT)  # lock_mount's cant_mount: a magic link reached by its O_PATH fd, or a removed name
    parent = containing(ns, target)
    if parent is None:
        raise Errno(EINVAL)
    if not ns.room():
        raise Errno(ENOSPC)
    return parent


def _graft(ns: MountNamespace, made: Mount, parent: Mount, target: Inode) -> None:
    """graft_tree: a directory only on a directory, a file only on a file."""
    if isinstance(target, Directory) != isinstance(made.root, Directory):
        raise Errno(ENOTDIR)
    ns.attach(made, parent, target)


def _new_mount(t: Task, ns: MountNamespace, target: Inode, kind: bytes | None, source: bytes | None,
               sb_flags: int, mnt_flags: int, options: bytes) -> int:
    """do_new_mount: a new filesystem instance mounted at `target`."""
    if kind is None:
        raise Errno(EINVAL)
    fstypes.known(kind)
    parent = _attach_point(t, ns, target)
    sb: Superblock
    if kind == b"proc":
        up = target.parent if isinstance(target, Directory) else t.machine.fs.root
        sb = fstypes.make_proc(t, options, lambda where: ProcRoot(where, t.machine, t.pid_ns), up)
    else:
        sb, sb_flags_more = fstypes.make_tmpfs(t, kind, source or b"none", options)
        sb_flags |= sb_flags_more
    sb.readonly = bool(sb_flags & MS_RDONLY)
    sb.flags = sb_flags & ~MS_RDONLY
    assert sb.root is not None
    top = ns.mount_of(target)
    if top is not None and top.sb is sb:
        raise Errno(EBUSY)
    _graft(ns, Mount(sb, sb.root, parent, target, mnt_flags), parent, target)
    return 0


def _bind(t: Task, ns: MountNamespace, target: Inode, source: bytes | None) -> int:
    """do_loopback: `source`'s directory (or file) shown again at `target`.

    Submounts under the source show through the bind whether MS_REC is given
    or not: the table is keyed by inode (kernel/mount.py).
    """
    if not source:
        raise Errno(EINVAL)
    old = t.machine.fs.lookup(t, source, t.fs.cwd)
    origin = containing(ns, old)
    if origin is None:
        raise Errno(EINVAL)
    parent = _attach_point(t, ns, target)
    if not isinstance(old, Directory | Regular) and not isinstance(target, type(old)):
        raise Errno(ENOTDIR)
    assert old.sb is not None
    if origin.unbindable:
        raise Errno(EINVAL)
    made = Mount(old.sb, old, parent, target, origin.flags)
    made.group = origin.group  # a shared mount's bind is its peer
    _graft(ns, made, parent, target)
    return 0


def _change_type(ns: MountNamespace, target: Inode, flags: int) -> int:
    """do_change_type: exactly one of shared, private, slave, unbindable (MS_REC: for the mounts below too)."""
    mount = _mount_root(ns, target)
    kind = flags & ~(MS_REC | MS_SILENT)
    if kind & (kind - 1) or not kind & PROPAGATION:
        raise Errno(EINVAL)
    for m in ns.subtree(mount) if flags & MS_REC else [mount]:
        m.set_propagation(kind, ns)
    return 0


def _move(t: Task, ns: MountNamespace, target: Inode, source: bytes | None) -> int:
    """do_move_mount_old: the mount at `source` moves, with what is under it, to `target`."""
    if not source:
        raise Errno(EINVAL)
    old = t.machine.fs.lookup(t, source, t.fs.cwd)
    moving = _mount_root(ns, old)
    if moving.parent is None or moving.mountpoint is None:
        raise Errno(EINVAL)  # the namespace's root, or a mount the boot made in place
    parent = containing(ns, target)
    if parent is None:
        raise Errno(EINVAL)
    if parent in ns.subtree(moving):
        raise Errno(ELOOP)  # into itself
    if isinstance(target, Directory) != isinstance(moving.root, Directory):
        raise Errno(ENOTDIR)
    ns.detach(moving)
    ns.attach(moving, parent, target)
    return 0


# -- umount --


@syscall("sys_umount")
def sys_umount(t: Task, name: int, flags: int, *_: int) -> int:
    if flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW):
        raise Errno(EINVAL)
    target = t.machine.fs.lookup(t, user_path(t, name), t.fs.cwd, follow=not flags & UMOUNT_NOFOLLOW)
    return do_umount(t, target, flags)


def do_umount(t: Task, target: Inode, flags: int) -> int:
    """path_umount: can_umount's checks, then MNT_EXPIRE's two steps, then busy or lazy."""
    _capable(t)
    ns = t.machine.fs.namespace(t)
    mount = ns.mount_of(target)
    if mount is None:
        raise Errno(EINVAL)  # not the root of a mount
    if flags & MNT_EXPIRE:
        if mount is ns.root or flags & (MNT_FORCE | MNT_DETACH):
            raise Errno(EINVAL)
        if _busy(t, ns, mount, children=False):
            raise Errno(EBUSY)
        if not mount.expiry_mark:
            mount.expiry_mark = True
            raise Errno(EAGAIN)
    if mount.parent is None:
        raise Errno(EBUSY)  # the namespace's root stays (Linux would remount it read-only)
    if not flags & MNT_DETACH and _busy(t, ns, mount, children=True):
        raise Errno(EBUSY)
    for gone in reversed(ns.subtree(mount)):
        ns.detach(gone)
    return 0


def _inside(ns: MountNamespace, mount: Mount, node: Inode) -> bool:
    """`node` is reached in `mount` (a directory by its parents; a file by its filesystem's only mount)."""
    if isinstance(node, Directory):
        return containing(ns, node) is mount
    return node.sb is mount.sb and sum(m.sb is mount.sb for m in ns.mounts) == 1


def _busy(t: Task, ns: MountNamespace, mount: Mount, *, children: bool) -> bool:
    """propagate_mount_busy: a mount under it, a working directory or root in it, a file open in it."""
    if children and ns.children(mount):
        return True
    for task in t.machine.tasks.values():
        if task.status is not None:
            continue
        places: list[Inode] = [task.fs.cwd]
        if task.fs.root is not None:
            places.append(task.fs.root)
        places += [f.inode for f, _ in task.files.fds.values()]
        if any(_inside(ns, mount, place) for place in places):
            return True
    return False

