"""/proc/PID/ns (fs/nsfs.c, fs/proc/namespaces.c): a file per namespace, which setns(2) takes.

The machine has one kind of namespace a process can make, the mount
namespace (kernel/mount.py), so /proc/PID/ns holds `mnt` alone, as on a
kernel built without the others (CONFIG_UTS_NS=n ...). `mnt` is a magic
link reading `mnt:[INODE]` that opens the namespace's nsfs file.
"""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.mount import MountNamespace, Superblock
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


class NsFile(Inode):
    """The nsfs inode of one namespace: what opening /proc/PID/ns/mnt gives, and setns takes."""

    def __init__(self, ns: MountNamespace) -> None:
        super().__init__(stat.S_IFREG | 0o444)
        self.ino = ns.ino
        self.ns = ns
        self.sb = NSFS

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        if request == NS_GET_NSTYPE:
            return CLONE_NEWNS
        if request in (NS_GET_PARENT, NS_GET_OWNER_UID):
            raise Errno(EINVAL)  # only pid and user namespaces have parents, only user ones owners
        raise Errno(ENOTTY)


def ns_file(ns: MountNamespace) -> NsFile:
    """The namespace's one nsfs inode (the same st_ino however often it is opened)."""
    made = ns.nsfs
    if not isinstance(made, NsFile):
        made = NsFile(ns)
        ns.nsfs = made
    return made


class NsLink(Symlink):
    """/proc/PID/ns/mnt: reads `mnt:[INODE]`, and leads to the namespace's nsfs file."""

    def __init__(self, owner: Task) -> None:
        super().__init__(b"")
        self.owner = owner

    def _ns(self) -> MountNamespace:
        return self.owner.machine.fs.namespace(self.owner)

    def target(self, task: Task) -> bytes:
        return b"mnt:[%d]" % self._ns().ino

    def jump(self, task: Task) -> Inode | None:
        return ns_file(self._ns())


class ProcNsDir(ProcDirectory):
    """/proc/PID/ns."""

    def __init__(self, parent: Directory, owner: Task) -> None:
        super().__init__(parent, 0o511)
        self.owner = owner

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        return {b"mnt": NsLink(self.owner)}
