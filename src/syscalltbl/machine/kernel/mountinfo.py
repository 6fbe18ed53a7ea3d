"""/proc/PID/mounts and /proc/PID/mountinfo (fs/proc_namespace.c): a task's mount namespace as text; and
/proc/filesystems (fs/filesystems.c)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.fstypes import FILESYSTEMS
from syscalltbl.machine.kernel.mount import Mount, MountNamespace
from syscalltbl.machine.kernel.procfile import ProcFile
from syscalltbl.machine.uapi.mount import (
    MS_DIRSYNC,
    MS_LAZYTIME,
    MS_MANDLOCK,
    MS_NOATIME,
    MS_NODEV,
    MS_NODIRATIME,
    MS_NOEXEC,
    MS_NOSUID,
    MS_NOSYMFOLLOW,
    MS_RELATIME,
    MS_SYNCHRONOUS,
)
from syscalltbl.machine.uapi.poll import POLLERR, POLLIN, POLLPRI, POLLRDNORM

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.kernel.vfs import OpenFile

#: show_mnt_opts's and show_sb_opts's words, in their order.
MOUNT_WORDS: Final = ((MS_NOSUID, b",nosuid"), (MS_NODEV, b",nodev"), (MS_NOEXEC, b",noexec"),
                      (MS_NOATIME, b",noatime"), (MS_NODIRATIME, b",nodiratime"), (MS_RELATIME, b",relatime"),
                      (MS_NOSYMFOLLOW, b",nosymfollow"))
SB_WORDS: Final = ((MS_SYNCHRONOUS, b",sync"), (MS_DIRSYNC, b",dirsync"), (MS_MANDLOCK, b",mand"),
                   (MS_LAZYTIME, b",lazytime"))
ROOT_PARENT_ID: Final = 1  # the root mount's parent: the kernel's rootfs, which no namespace shows


def _escape(path: bytes) -> bytes:
    """mangle(): space, tab, newline and backslash as octal escapes."""
    for ch in b"\\ \t\n":
        path = path.replace(bytes([ch]), b"\\%03o" % ch)
    return path


def _words(flags: int, table: tuple[tuple[int, bytes], ...]) -> bytes:
    return b"".join(word for bit, word in table if flags & bit)


def _where(ns: MountNamespace, m: Mount) -> bytes:
    return _escape(ns.path_of(m))


class MountTableFile(ProcFile):
    """/proc/PID/mounts and mountinfo: readable always, and POLLPRI|POLLERR once the namespace's mount table
    changed since the reader last saw it (mounts_poll).

    Linux's mounts_poll takes the change as seen when it reports it; here the epoll and poll waiters ask a
    file's readiness more than once for one report, so a change counts as seen when the reader reads the
    table again from its start, which is what a program woken by it does next.
    """

    def __init__(self, render: Callable[[], bytes], namespace: Callable[[], MountNamespace]) -> None:
        super().__init__(render)
        self._namespace = namespace
        self._ns: MountNamespace | None = None
        self._seen = 0

    def attach(self, task: Task, f: OpenFile) -> None:
        self._ns = self._namespace()  # proc_mounts's ns: the process's at open
        self._seen = self._ns.event

    def read(self, f: OpenFile, count: int) -> bytes:
        if f.offset == 0 and self._ns is not None:
            self._seen = self._ns.event
        return super().read(f, count)

    def poll(self, f: OpenFile) -> int:
        mask = POLLIN | POLLRDNORM
        if self._ns is not None and self._ns.event != self._seen:
            mask |= POLLERR | POLLPRI
        return mask


def render_mounts(t: Task) -> bytes:
    """show_vfsmnt: `source mountpoint type ro|rw,options 0 0` per mount."""
    ns = t.machine.fs.namespace(t)
    out = []
    for m in ns.mounts:
        sb = m.sb
        options = (b"ro" if m.readonly else b"rw") + _words(sb.flags, SB_WORDS) + _words(m.flags, MOUNT_WORDS)
        out.append(b"%s %s %s %s%s 0 0\n" % (_escape(sb.source), _where(ns, m), sb.fstype, options, sb.show_options()))
    return b"".join(out)


def render_mountinfo(t: Task) -> bytes:
    """show_mountinfo: ids, device, root, mountpoint, mount options, propagation, then the superblock's."""
    ns = t.machine.fs.namespace(t)
    out = []
    for m in ns.mounts:
        sb = m.sb
        parent = m.parent.id if m.parent is not None else ROOT_PARENT_ID
        root = b"/"
        if sb.root is not None and m.root is not sb.root:
            root = ns.path_within(sb.root, m.root)
        options = (b"ro" if m.readonly else b"rw") + _words(m.flags, MOUNT_WORDS)
        tags = b" shared:%d" % m.group if m.group else b""
        tags += b" master:%d" % m.master if m.master else b""
        tags += b" unbindable" if m.unbindable else b""
        super_options = (b"ro" if sb.readonly else b"rw") + _words(sb.flags, SB_WORDS) + sb.show_options()
        out.append(b"%d %d 0:%d %s %s %s%s - %s %s %s\n" % (
            m.id, parent, sb.dev, _escape(root), _where(ns, m), options, tags, sb.fstype, _escape(sb.source),
            super_options))
    return b"".join(out)


def render_filesystems() -> bytes:
    """/proc/filesystems: the types sysfs(2) numbers, none of which needs a block device ("nodev")."""
    return b"".join(b"nodev\t%s\n" % name for name in FILESYSTEMS)
