"""unshare(2) (kernel/fork.c) and setns(2) (kernel/nsproxy.c).

The machine has mount namespaces (kernel/mount.py); it is built without
the others, so asking for a new UTS, IPC, network, PID, user, cgroup or time
namespace is EINVAL, as from a kernel configured without them.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.nsfs import NsFile
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN, CAP_SYS_CHROOT
from syscalltbl.machine.uapi.errno import EINVAL, ENOMEM, EPERM, Errno
from syscalltbl.machine.uapi.sched import (
    CLONE_FILES,
    CLONE_FS,
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    CLONE_SIGHAND,
    CLONE_SYSVSEM,
    CLONE_THREAD,
    CLONE_VM,
    NAMESPACES,
)

#: What unshare(2) takes (ksys_unshare's first check).
UNSHARE_FLAGS = (CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM
                 | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWCGROUP
                 | CLONE_NEWTIME)
#: The namespaces this machine does not have.
ABSENT = NAMESPACES & ~CLONE_NEWNS


def _shared(t: Task, attribute: str) -> bool:
    """Another live task holds the same `attribute` object (fs, files, sighand, mm)."""
    mine = getattr(t, attribute)
    return any(o is not t and o.status is None and getattr(o, attribute) is mine for o in t.machine.tasks.values())


@syscall("sys_unshare")
def sys_unshare(t: Task, flags: int, *_: int) -> int:
    if flags & ~UNSHARE_FLAGS:
        raise Errno(EINVAL)
    if flags & CLONE_NEWUSER:
        flags |= CLONE_THREAD | CLONE_FS
    if flags & CLONE_VM:
        flags |= CLONE_SIGHAND
    if flags & CLONE_SIGHAND:
        flags |= CLONE_THREAD
    if flags & CLONE_NEWNS:
        flags |= CLONE_FS
    # check_unshare_flags: what another task still shares cannot be unshared.
    if flags & CLONE_THREAD and len(t.group.threads) > 1:
        raise Errno(EINVAL)
    if flags & CLONE_SIGHAND and _shared(t, "sighand"):
        raise Errno(EINVAL)
    if flags & CLONE_VM and t.mm.users > 1:
        raise Errno(EINVAL)
    if flags & NAMESPACES:
        if not t.cred.capable(CAP_SYS_ADMIN):
            raise Errno(EPERM)  # unshare_nsproxy_namespaces
        if flags & ABSENT:
            raise Errno(EINVAL)  # create_new_namespaces: a namespace this kernel is built without
    ns = t.machine.fs.namespace(t).copy(t.machine.ram) if flags & CLONE_NEWNS else None
    files = None
    if flags & CLONE_FILES and t.files.users > 1:
        if not t.files.copy_fits():
            raise Errno(ENOMEM)
        files = t.files.copy()
    # Nothing can fail from here on.
    if flags & CLONE_FS:
        t.fs = t.fs.copy()
    if ns is not None:
        t.fs.mnt_ns = ns
    if files is not None:
        t.files.users -= 1
        t.files = files
    return 0


@syscall("sys_setns")
def sys_setns(t: Task, fd: int, nstype: int, *_: int) -> int:
    f = t.files.get(s32(fd))
    inode = f.inode
    if not isinstance(inode, NsFile):
        raise Errno(EINVAL)  # neither an nsfs file nor a pidfd
    if nstype and nstype != CLONE_NEWNS:
        raise Errno(EINVAL)
    # mntns_install
    if not t.cred.capable(CAP_SYS_ADMIN) or not t.cred.capable(CAP_SYS_CHROOT):
        raise Errno(EPERM)
    if _shared(t, "fs"):
        raise Errno(EINVAL)  # fs->users != 1
    t.fs.mnt_ns = inode.ns
    t.fs.root = None  # the namespace's own root, and the working directory there too
    t.fs.cwd = t.machine.fs.root_of(t)
    return 0
