"""/proc/PID/fdinfo (fs/proc/fd.c): a file per open descriptor telling its offset, flags and inode.

A file that has more to say (an inotify instance: its watches) gives the
lines after those four through a `fdinfo()` of its inode, as ->show_fdinfo.
A pidfd tells its process's pid in the pid namespace of the /proc read, and
its numbers from there down (pidfd_show_fdinfo).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.pidfd import PidFd
from syscalltbl.machine.kernel.pidns import PidNamespace, pid_numbers
from syscalltbl.machine.kernel.procfile import ProcDirectory, ProcFile
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile
from syscalltbl.machine.uapi.fcntl import O_CLOEXEC

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

def mount_id(owner: Task, inode: Inode) -> int:
    """The id of the mount the file is on in its owner's namespace, as /proc/PID/mountinfo numbers it (a pipe
    or socket, on no mount there: the namespace's root's)."""
    ns = owner.machine.fs.namespace(owner)
    return (ns.containing(inode) or ns.root).id


def _pidfd_lines(pidfd: PidFd, ns: PidNamespace) -> bytes:
    """pidfd_show_fdinfo: Pid (-1 once reaped, 0 outside `ns`) and NSpid, that and the numbers below it."""
    numbers = pid_numbers(pidfd.task.tid, ns) if pidfd.alive() else []
    first = numbers[0] if numbers else (0 if pidfd.alive() else -1)
    return b"Pid:\t%d\nNSpid:\t%s\n" % (first, b"\t".join(b"%d" % n for n in numbers or [first]))


def render_fdinfo(f: OpenFile, cloexec: bool, mnt_id: int, ns: PidNamespace | None = None) -> bytes:
    """seq_show: pos, flags (octal, O_CLOEXEC when the descriptor has it), mnt_id, ino, then the file's own;
    `ns`: the pid namespace of the /proc read, which a pidfd's lines are in."""
    flags = f.flags | (O_CLOEXEC if cloexec else 0)
    text = b"pos:\t%d\nflags:\t0%o\nmnt_id:\t%d\nino:\t%d\n" % (f.offset, flags, mnt_id, f.inode.ino)
    if isinstance(f.inode, PidFd) and ns is not None:
        return text + _pidfd_lines(f.inode, ns)
    more = getattr(f.inode, "fdinfo", None)
    return text + (more() if callable(more) else b"")


class ProcFdInfoDir(ProcDirectory):
    """/proc/PID/fdinfo: a file per open descriptor, read-only to its owner."""

    def __init__(self, parent: Directory, owner: Task) -> None:
        super().__init__(parent, 0o500)
        self.owner = owner
        ns = getattr(parent, "pid_ns", None)  # the /proc's pid namespace (procfs's directories keep it)
        self.pid_ns = ns if isinstance(ns, PidNamespace) else None

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        if self.owner.status is not None:
            return {}  # a zombie's files are closed
        owner = self.owner
        return {str(fd).encode(): _info(owner, f, cloexec, self.pid_ns)
                for fd, (f, cloexec) in sorted(owner.files.fds.items())}


def _info(owner: Task, f: OpenFile, cloexec: bool, ns: PidNamespace | None) -> ProcFile:
    info = ProcFile(lambda: render_fdinfo(f, cloexec, mount_id(owner, f.inode), ns))
    info.mode = info.mode & ~0o044  # 0400: fs/proc/fd.c makes them S_IRUSR
    return info
