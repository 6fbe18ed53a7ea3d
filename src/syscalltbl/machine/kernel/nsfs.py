"""/proc/PID/ns (fs/nsfs.c, fs/proc/namespaces.c): a file per namespace, which setns(2) takes.

/proc/PID/ns holds a magic link per kind of namespace the machine has: the
mount namespace (kernel/mount.py), the UTS, IPC and time ones (kernel/nsproxy.py),
the pid one (kernel/pidns.py), the last two twice: the task's own and its
children's (time_for_children, pid_for_children), the network namespace
(kernel/inet.py) and the user namespace of its credentials (kernel/userns.py).
Each reads `KIND:[INODE]` and opens the namespace's one nsfs file, which
setns(2) and the NS_GET_* ioctls take.
"""

from __future__ import annotations

import stat
import struct
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.mount import MountNamespace, Superblock
from syscalltbl.machine.kernel.nscommon import Namespace
from syscalltbl.machine.kernel.pidns import PidNamespace
from syscalltbl.machine.kernel.procfile import ProcDirectory
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.userns import UserNamespace, from_kuid_munged, owner_of
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile, Symlink
from syscalltbl.machine.uapi.errno import EINVAL, ENOTTY, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import O_RDONLY
from syscalltbl.machine.uapi.sched import CLONE_NEWNS

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

#: include/uapi/linux/nsfs.h: _IO(NSIO, n), NSIO 0xb7.
NS_GET_USERNS: Final = 0xB701
NS_GET_PARENT: Final = 0xB702
NS_GET_NSTYPE: Final = 0xB703
NS_GET_OWNER_UID: Final = 0xB704

NSFS: Final = Superblock(b"nsfs", b"nsfs", None, dev=4)  # one nsfs instance, 0:4 as on a booted Linux

AnyNamespace = MountNamespace | Namespace


def ns_kind(ns: AnyNamespace) -> int:
    """The namespace's CLONE_NEW* flag (ns_common's ops->type)."""
    return CLONE_NEWNS if isinstance(ns, MountNamespace) else ns.kind


def ns_proc_name(ns: AnyNamespace) -> bytes:
    return b"mnt" if isinstance(ns, MountNamespace) else ns.proc_name


class NsFile(Inode):
    """The nsfs inode of one namespace: what opening /proc/PID/ns/KIND gives, and setns takes."""

    def __init__(self, ns: AnyNamespace) -> None:
        super().__init__(stat.S_IFREG | 0o444)
        self.ino = ns.ino
        self.ns = ns
        self.sb = NSFS

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        ns = self.ns
        if request == NS_GET_NSTYPE:
            return ns_kind(ns)
        if request == NS_GET_USERNS:
            # A user namespace's owner is its parent (none for the first); the others' the one they were made in.
            return _open_related(task, ns.parent if isinstance(ns, UserNamespace) else owner_of(ns))
        if request == NS_GET_PARENT:
            if isinstance(ns, PidNamespace):
                return _open_pid_parent(task, ns)
            if not isinstance(ns, UserNamespace):
                raise Errno(EINVAL)  # of the kinds here only user and pid namespaces have parents
            return _open_related(task, ns.parent)
        if request == NS_GET_OWNER_UID:
            if not isinstance(ns, UserNamespace):
                raise Errno(EINVAL)  # only user namespaces have an owner
            copy_to_user(task.mm, arg, struct.pack("<I", from_kuid_munged(task.cred.user_ns, ns.owner)))
            return 0
        raise Errno(ENOTTY)


def _open_related(task: Task, owner: UserNamespace | None) -> int:
    """open_related_ns with ns_get_owner: a new close-on-exec descriptor of `owner`, which must be the
    caller's user namespace or one above it (EPERM for one the caller cannot see, or none)."""
    seen: UserNamespace | None = owner
    while seen is not task.cred.user_ns:
        if seen is None:
            raise Errno(EPERM)
        seen = seen.parent
    assert owner is not None
    made = OpenFile(ns_file(owner), O_RDONLY, b"user:[%d]" % owner.ino)
    return task.files.install(made, cloexec=True, limit=task.nofile())


def _open_pid_parent(task: Task, ns: PidNamespace) -> int:
    """pidns_get_parent: the parent of a pid namespace, which must be the caller's own or one below it
    (EPERM for one above, or for the first namespace's none)."""
    parent = ns.parent
    if parent is None or not task.pid_ns.contains(parent):
        raise Errno(EPERM)
    made = OpenFile(ns_file(parent), O_RDONLY, b"pid:[%d]" % parent.ino)
    return task.files.install(made, cloexec=True, limit=task.nofile())


def ns_file(ns: AnyNamespace) -> NsFile:
    """The namespace's one nsfs inode (the same st_ino however often it is opened)."""
    held = ns.nsfs
    made = held() if isinstance(held, weakref.ref) else None
    if not isinstance(made, NsFile):
        made = NsFile(ns)
        # Weakly: the namespace must not keep its own file alive, or the two would outlive their last user
        # until the host's cycle collector came by; a file made again has the same inode number.
        ns.nsfs = weakref.ref(made)
    return made


class NsLink(Symlink):
    """/proc/PID/ns/KIND: reads `KIND:[INODE]`, and leads to the namespace's nsfs file."""

    def __init__(self, owner: Task, which: Callable[[Task], AnyNamespace]) -> None:
        super().__init__(b"")
        self.owner = owner
        self.which = which

    def target(self, task: Task) -> bytes:
        ns = self.which(self.owner)
        return b"%s:[%d]" % (ns_proc_name(ns), ns.ino)

    def jump(self, task: Task) -> Inode | None:
        return ns_file(self.which(self.owner))


def _net(t: Task) -> AnyNamespace:
    return t.nsproxy.net


def _ipc(t: Task) -> AnyNamespace:
    return t.nsproxy.ipc


def _mnt(t: Task) -> AnyNamespace:
    return t.machine.fs.namespace(t)


def _user(t: Task) -> AnyNamespace:
    return t.cred.user_ns


def _uts(t: Task) -> AnyNamespace:
    return t.nsproxy.uts


def _pid(t: Task) -> AnyNamespace:
    return t.pid_ns


def _pid_for_children(t: Task) -> AnyNamespace:
    return t.nsproxy.pid_for_children


def _time(t: Task) -> AnyNamespace:
    return t.nsproxy.time


def _time_for_children(t: Task) -> AnyNamespace:
    return t.nsproxy.time_for_children


#: fs/proc/namespaces.c's ns_entries, of the kinds this machine has: how each is found from a task.
NS_ENTRIES: Final[dict[bytes, Callable[[Task], AnyNamespace]]] = {
    b"ipc": _ipc, b"mnt": _mnt, b"net": _net, b"pid": _pid, b"pid_for_children": _pid_for_children, b"time": _time,
    b"time_for_children": _time_for_children, b"user": _user,
    b"uts": _uts,
}


class ProcNsDir(ProcDirectory):
    """/proc/PID/ns."""

    def __init__(self, parent: Directory, owner: Task) -> None:
        super().__init__(parent, 0o511)
        self.owner = owner

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        return {name: NsLink(self.owner, which) for name, which in NS_ENTRIES.items()}
