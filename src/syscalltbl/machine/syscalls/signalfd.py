"""signalfd and signalfd4 (fs/signalfd.c): read the caller's pending signals of a set from a descriptor.

A read takes signals as sigtimedwait does, from the reading thread and its
process, and turns each siginfo into a struct signalfd_siginfo; poll says
readable while one of the set is pending for the thread that polls.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.syscalls.sigwait import user_sigmask
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import EAGAIN, EINVAL, Errno
from syscalltbl.machine.uapi.fcntl import O_NONBLOCK, O_RDWR
from syscalltbl.machine.uapi.poll import POLLIN, POLLRDNORM
from syscalltbl.machine.uapi.signal import (
    FAULT_SIGNALS,
    SI_KERNEL,
    SI_SIGIO,
    SI_USER,
    SIGCHLD,
    SIGIO,
    SIGRTMIN,
    SIGSYS,
)
from syscalltbl.machine.uapi.signalfd import SFD_CLOEXEC, SFD_NONBLOCK, SIGNALFD_SIGINFO
from syscalltbl.machine.uapi.timers import SI_TIMER

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

_HEAD = struct.Struct("<iii4x")  # si_signo, si_errno, si_code
_KILL = struct.Struct("<iI")  # si_pid, si_uid
_RT = struct.Struct("<iIQ")  # si_pid, si_uid, si_value
_TIMER = struct.Struct("<iiQ")  # si_tid, si_overrun, si_value
_CHLD = struct.Struct("<iIi4xqq")  # si_pid, si_uid, si_status, si_utime, si_stime
_POLL = struct.Struct("<qi")  # si_band, si_fd
_FAULT = struct.Struct("<Q")  # si_addr


def signalfd_siginfo(info: bytes) -> bytes:
    """signalfd_copyinfo: the fields of the siginfo's layout (siginfo_layout) in signalfd's record."""
    info = info.ljust(128, b"\0")
    signo, errno, code = _HEAD.unpack_from(info)
    f = dict.fromkeys(("pid", "uid", "fd", "tid", "band", "overrun", "status", "int", "ptr", "utime", "stime",
                       "addr"), 0)  # fmt: skip
    if SI_USER < code < SI_KERNEL and signo < SIGRTMIN:
        if signo == SIGCHLD:
            f["pid"], f["uid"], f["status"], f["utime"], f["stime"] = _CHLD.unpack_from(info, 16)
        elif signo in FAULT_SIGNALS or signo == SIGSYS:
            (f["addr"],) = _FAULT.unpack_from(info, 16)
        elif signo == SIGIO:
            f["band"], f["fd"] = _POLL.unpack_from(info, 16)
        else:
            f["pid"], f["uid"] = _KILL.unpack_from(info, 16)
    elif code == SI_TIMER:
        f["tid"], f["overrun"], f["ptr"] = _TIMER.unpack_from(info, 16)
    elif code == SI_SIGIO:
        f["band"], f["fd"] = _POLL.unpack_from(info, 16)
    elif code < 0:
        f["pid"], f["uid"], f["ptr"] = _RT.unpack_from(info, 16)
    else:
        f["pid"], f["uid"] = _KILL.unpack_from(info, 16)
    f["int"] = int.from_bytes((f["ptr"] & 0xFFFFFFFF).to_bytes(4, "little"), "little", signed=True)
    return SIGNALFD_SIGINFO.pack(
        signo & 0xFFFFFFFF, errno, code, f["pid"] & 0xFFFFFFFF, f["uid"], f["fd"], f["tid"] & 0xFFFFFFFF,
        f["band"] & 0xFFFFFFFF, f["overrun"] & 0xFFFFFFFF, 0, f["status"], f["int"], f["ptr"],
        f["utime"] & (2**64 - 1), f["stime"] & (2**64 - 1), f["addr"], 0,
    )  # fmt: skip


class SignalFd(Inode):
    """The inode behind a signalfd: its set, read from by whichever thread reads or polls it."""

    def __init__(self, machine: Machine, mask: int) -> None:
        super().__init__(ANON_INODE_MODE)
        self.machine = machine
        self.mask = mask

    def read_by(self, f: OpenFile, count: int, reader: Task) -> bytes:
        size = SIGNALFD_SIGINFO.size
        if count < size:
            raise Errno(EINVAL)
        out = b""
        while len(out) + size <= count:
            taken = signals.dequeue_mask(reader, self.mask)
            if taken is None:
                break
            out += signalfd_siginfo(taken[1] or struct.pack("<i", taken[0]))
        if out:
            return out
        if f.flags & O_NONBLOCK:
            raise Errno(EAGAIN)
        raise Sleep(lambda: bool(signals.pending(reader) & self.mask))

    def read(self, f: OpenFile, count: int) -> bytes:
        current = self.machine.current
        if current is None:
            raise Errno(EAGAIN)
        return self.read_by(f, count, current)

    def poll(self, f: OpenFile) -> int:
        current = self.machine.current
        return POLLIN | POLLRDNORM if current is not None and signals.pending(current) & self.mask else 0


def do_signalfd4(t: Task, ufd: int, umask: int, sizemask: int, flags: int) -> int:
    if flags & ~(SFD_CLOEXEC | SFD_NONBLOCK):
        raise Errno(EINVAL)
    mask = user_sigmask(t, umask, sizemask)
    if ufd == -1:
        f = OpenFile(SignalFd(t.machine, mask), O_RDWR | (flags & SFD_NONBLOCK), b"anon_inode:[signalfd]")
        return t.files.install(f, cloexec=bool(flags & SFD_CLOEXEC), limit=t.nofile())
    inode = t.files.get(ufd).inode
    if not isinstance(inode, SignalFd):
        raise Errno(EINVAL)
    inode.mask = mask
    return ufd


@syscall("sys_signalfd4")
def sys_signalfd4(t: Task, ufd: int, user_mask: int, sizemask: int, flags: int, *_: int) -> int:
    return do_signalfd4(t, ufd, user_mask, sizemask, flags & 0xFFFFFFFF)


@syscall("sys_signalfd")
def sys_signalfd(t: Task, ufd: int, user_mask: int, sizemask: int, *_: int) -> int:
    return do_signalfd4(t, ufd, user_mask, sizemask, 0)
