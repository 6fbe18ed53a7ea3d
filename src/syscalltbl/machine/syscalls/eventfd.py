"""eventfd and eventfd2 (fs/eventfd.c): a 64-bit counter behind a descriptor.

A write of eight bytes adds to the counter, a read takes all of it (or one,
with EFD_SEMAPHORE); a read of zero waits, and so does a write that would
reach ULLONG_MAX. Every read wakes the writers and every write the readers,
even when the counter's readiness did not change, which is what an
edge-triggered epoll item sees.
"""

from __future__ import annotations

import struct

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import EAGAIN, EINVAL, Errno
from syscalltbl.machine.uapi.eventfd import EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, EVENTFD_MAX
from syscalltbl.machine.uapi.fcntl import O_NONBLOCK, O_RDWR
from syscalltbl.machine.uapi.poll import POLLERR, POLLIN, POLLOUT

_U64 = struct.Struct("<Q")


class EventFd(Inode):
    def __init__(self, count: int, *, semaphore: bool) -> None:
        super().__init__(ANON_INODE_MODE)
        self.count = count
        self.semaphore = semaphore
        self.readers_woken = self.writers_woken = 0

    def read(self, f: OpenFile, count: int) -> bytes:
        if count < _U64.size:
            raise Errno(EINVAL)
        if not self.count:
            if f.flags & O_NONBLOCK:
                raise Errno(EAGAIN)
            raise Sleep(lambda: self.count > 0)
        taken = 1 if self.semaphore else self.count
        self.count -= taken
        self.writers_woken += 1
        return _U64.pack(taken)

    def write(self, f: OpenFile, data: bytes) -> int:
        if len(data) < _U64.size:
            raise Errno(EINVAL)
        (add,) = _U64.unpack_from(data)
        if add == EVENTFD_MAX:
            raise Errno(EINVAL)
        if EVENTFD_MAX - self.count <= add:
            if f.flags & O_NONBLOCK:
                raise Errno(EAGAIN)
            raise Sleep(lambda: EVENTFD_MAX - self.count > add)
        self.count += add
        self.readers_woken += 1
        return _U64.size

    def poll(self, f: OpenFile) -> int:
        mask = POLLIN if self.count else 0
        if self.count == EVENTFD_MAX:
            mask |= POLLERR  # only reachable through eventfd_signal's overflow, kept as Linux reports it
        if self.count < EVENTFD_MAX - 1:
            mask |= POLLOUT
        return mask

    def wakeups(self) -> tuple[int, int]:
        return self.readers_woken, self.writers_woken


def do_eventfd(t: Task, count: int, flags: int) -> int:
    if flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK):
        raise Errno(EINVAL)
    inode = EventFd(count & 0xFFFFFFFF, semaphore=bool(flags & EFD_SEMAPHORE))  # an unsigned int initval
    f = OpenFile(inode, O_RDWR | (flags & EFD_NONBLOCK), b"anon_inode:[eventfd]")
    return t.files.install(f, cloexec=bool(flags & EFD_CLOEXEC), limit=t.nofile())


@syscall("sys_eventfd2")
def sys_eventfd2(t: Task, count: int, flags: int, *_: int) -> int:
    return do_eventfd(t, count, flags & 0xFFFFFFFF)


@syscall("sys_eventfd")
def sys_eventfd(t: Task, count: int, *_: int) -> int:
    return do_eventfd(t, count, 0)
