"""chroot(2) (fs/open.c) and pivot_root(2) (fs/namespace.c): where a task's absolute paths start."""

from __future__ import annotations

from syscalltbl.machine.kernel import permission
from syscalltbl.machine.kernel.mount import Mount, MountNamespace
from syscalltbl.machine.kernel.permission import MAY_EXEC
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import Directory, Inode
from syscalltbl.machine.syscalls.fs import user_path
from syscalltbl.machine.syscalls.mount import containing
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN, CAP_SYS_CHROOT
from syscalltbl.machine.uapi.errno import EBUSY, EINVAL, ENOENT, ENOTDIR, EPERM, Errno


def _directory(t: Task, path: int) -> Directory:
    """user_path_at(LOOKUP_FOLLOW | LOOKUP_DIRECTORY): a directory, else ENOTDIR."""
    found = t.machine.fs.lookup(t, user_path(t, path), t.fs.cwd)
    if not isinstance(found, Directory):
        raise Errno(ENOTDIR)
    return found


@syscall("sys_chroot")
def sys_chroot(t: Task, filename: int, *_: int) -> int:
    directory = _directory(t, filename)
    permission.check(t.cred, directory, MAY_EXEC)  # MAY_EXEC | MAY_CHDIR: search permission
    if not t.cred.capable(CAP_SYS_CHROOT):
        raise Errno(EPERM)
    t.fs.root = directory
    return 0


def _under(node: Directory, top: Directory) -> bool:
    """is_subdir: `node` is `top` or inside it (within one filesystem)."""
    while node is not top:
        if node.parent is node:
            return False
        node = node.parent
    return True


def _reachable(mount: Mount, node: Directory, target: Mount, top: Directory) -> bool:
    """is_path_reachable: from (`mount`, `node`) up through mountpoints to `target`, inside `top`."""
    while mount is not target and mount.parent is not None:
        if not isinstance(mount.mountpoint, Directory):
            return False
        node, mount = mount.mountpoint, mount.parent
    return mount is target and _under(node, top)


@syscall("sys_pivot_root")
def sys_pivot_root(t: Task, new_root: int, put_old: int, *_: int) -> int:
    if not t.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)  # may_mount
    new = _directory(t, new_root)
    old = _directory(t, put_old)
    fs = t.machine.fs
    ns = fs.namespace(t)
    root = fs.root_of(t)
    root_mnt, new_mnt, old_mnt = containing(ns, root), containing(ns, new), containing(ns, old)
    if root_mnt is None or new_mnt is None or old_mnt is None:
        raise Errno(EINVAL)  # check_mnt: not in the caller's namespace
    if new.nlink <= 0:
        raise Errno(ENOENT)
    if new_mnt is root_mnt or old_mnt is root_mnt:
        raise Errno(EBUSY)  # on the current root's filesystem
    if ns.mount_of(root) is not root_mnt or root_mnt.parent is None:
        raise Errno(EINVAL)  # the root is not a mount's root, or that mount is not attached (an initramfs)
    if ns.mount_of(new) is not new_mnt or new_mnt.parent is None:
        raise Errno(EINVAL)  # new_root must be a mount's root
    if not _reachable(old_mnt, old, new_mnt, new) or not _reachable(new_mnt, new, root_mnt, root):
        raise Errno(EINVAL)
    _pivot(t, ns, root, root_mnt, new_mnt, old_mnt, old)
    return 0


def _pivot(t: Task, ns: MountNamespace, root: Directory, root_mnt: Mount, new_mnt: Mount, old_mnt: Mount,
           old: Inode) -> None:
    """The old root goes to put_old, the new root where the old one was; roots and cwds there follow."""
    root_parent, root_point = root_mnt.parent, root_mnt.mountpoint
    assert root_parent is not None and root_point is not None and isinstance(new_mnt.root, Directory)
    ns.detach(root_mnt)
    ns.detach(new_mnt)
    ns.attach(new_mnt, root_parent, root_point)
    ns.attach(root_mnt, old_mnt, old)
    for task in t.machine.tasks.values():  # chroot_fs_refs
        if t.machine.fs.namespace(task) is not ns:
            continue
        if task.fs.root is root:
            task.fs.root = new_mnt.root
        if task.fs.cwd is root:
            task.fs.cwd = new_mnt.root
