"""/proc/PID/ns (fs/nsfs.c, fs/proc/namespaces.c): a file per namespace, which setns(2) takes.

/proc/PID/ns holds a magic link per kind of namespace the machine has: the
mount namespace (kernel/mount.py), and the UTS, IPC and time ones (kernel/nsproxy.py),
the last twice: the task's own and its children's (time_for_children).
Each reads `KIND:[INODE]` and opens the namespace's one nsfs file, which
setns(2) and the NS_GET_* ioctls take.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.mount import MountNamespace, Superblock
from syscalltbl.machine.kernel.nscommon import Namespace
from syscalltbl.machine.kernel.procfile import ProcDirectory
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile, Symlink
from syscalltbl.machine.uapi.errno import EINVAL, ENOTTY, Errno
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
        if request == NS_GET_NSTYPE:
            return ns_kind(self.ns)
        if request in (NS_GET_PARENT, NS_GET_OWNER_UID):
            raise Errno(EINVAL)  # only pid and user namespaces have parents, only user ones owners
        raise Errno(ENOTTY)


def ns_file(ns: AnyNamespace) -> NsFile:
    """The namespace's one nsfs inode (the same st_ino however often it is opened)."""
    made = ns.nsfs
    if not isinstance(made, NsFile):
        made = NsFile(ns)
        ns.nsfs = made
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


def _ipc(t: Task) -> AnyNamespace:
    return t.nsproxy.ipc


def _mnt(t: Task) -> AnyNamespace:
    return t.machine.fs.namespace(t)


def _uts(t: Task) -> AnyNamespace:
    return t.nsproxy.uts


def _time(t: Task) -> AnyNamespace:
    return t.nsproxy.time


def _time_for_children(t: Task) -> AnyNamespace:
    return t.nsproxy.time_for_children


#: fs/proc/namespaces.c's ns_entries, of the kinds this machine has: how each is found from a task.
NS_ENTRIES: Final[dict[bytes, Callable[[Task], AnyNamespace]]] = {
    b"ipc": _ipc, b"mnt": _mnt, b"time": _time, b"time_for_children": _time_for_children, b"uts": _uts,
}


class ProcNsDir(ProcDirectory):
    """/proc/PID/ns."""

    def __init__(self, parent: Directory, owner: Task) -> None:
        super().__init__(parent, 0o511)
        self.owner = owner

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        return {name: NsLink(self.owner, which) for name, which in NS_ENTRIES.items()}
