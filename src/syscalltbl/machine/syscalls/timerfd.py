"""timerfd_create, timerfd_settime, timerfd_gettime (fs/timerfd.c): a timer read through a descriptor.

A read answers the expirations since the last read (eight bytes) and waits
for the first one. Expirations are counted when someone looks (a read, a
poll, gettime), which is what Linux's count is too: its timer fires once,
and the overruns of an interval timer are added when it is read. So, as on
Linux, an unread timer wakes an edge-triggered epoll item only once. A
waiter on a timer asks the scheduler to look again at its expiry.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.timekeeping import WallClock
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.syscalls.time import wall_clock
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import EAGAIN, ECANCELED, EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import O_NONBLOCK, O_RDWR
from syscalltbl.machine.uapi.poll import POLLIN
from syscalltbl.machine.uapi.time import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, NSEC_PER_SEC
from syscalltbl.machine.uapi.timerfd import (
    CLOCK_BOOTTIME_ALARM,
    CLOCK_REALTIME_ALARM,
    ITIMERSPEC,
    TFD_CLOEXEC,
    TFD_NONBLOCK,
    TFD_TIMER_ABSTIME,
    TFD_TIMER_CANCEL_ON_SET,
)

_U64 = struct.Struct("<Q")
# The clocks a timerfd may use; an alarm clock is its plain clock here (nothing suspends).
_CLOCKS = {CLOCK_REALTIME: CLOCK_REALTIME, CLOCK_MONOTONIC: CLOCK_MONOTONIC, CLOCK_BOOTTIME: CLOCK_BOOTTIME,
           CLOCK_REALTIME_ALARM: CLOCK_REALTIME, CLOCK_BOOTTIME_ALARM: CLOCK_BOOTTIME}  # fmt: skip


class TimerFd(Inode):
    def __init__(self, clock: Callable[[], int], *, clockid: int = CLOCK_MONOTONIC) -> None:
        super().__init__(ANON_INODE_MODE)
        self.clock = clock
        self.clockid = clockid  # CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME (an alarm clock's base)
        realtime = clockid == CLOCK_REALTIME
        self.realtime = realtime  # on CLOCK_REALTIME (or its alarm clock): TFD_TIMER_CANCEL_ON_SET applies
        self.expiry: int | None = None  # the next expiry on `clock`, ns; None: disarmed
        self.interval = 0
        self.ticks = 0  # expirations not read yet
        self.readers_woken = 0
        #: TFD_TIMER_CANCEL_ON_SET: the wall clock whose steps cancel the timer, and its step count when seen.
        self.cancel_on: WallClock | None = None
        self.steps_seen = 0
        self.canceled = False

    def advance(self) -> None:
        """Count the expirations up to now, and each step of the clock a CANCEL_ON_SET timer saw
        (timerfd_clock_was_set: a tick that wakes the reader, whose read then says ECANCELED)."""
        if self.cancel_on is not None and self.cancel_on.steps != self.steps_seen:
            self.ticks += self.cancel_on.steps - self.steps_seen
            self.steps_seen, self.canceled = self.cancel_on.steps, True
            self.readers_woken += 1
        if self.expiry is None:
            return
        now = self.clock()
        if now < self.expiry:
            return
        if self.interval:
            count = (now - self.expiry) // self.interval + 1
            self.expiry += count * self.interval
        else:
            count, self.expiry = 1, None
        if not self.ticks:
            self.readers_woken += 1  # timerfd_tmrproc's wake-up: an expired, unread timer does not fire again
        self.ticks += count

    def remaining(self) -> tuple[int, int]:
        """(it_interval, it_value) in ns, as timerfd_gettime reports them."""
        self.advance()
        left = 0 if self.expiry is None else max(self.expiry - self.clock(), 0)
        return self.interval, left

    def arm(self, value: int, interval: int, *, absolute: bool) -> None:
        self.ticks = 0
        self.interval = interval
        self.expiry = None if not value else value if absolute else self.clock() + value

    def look_again_at(self) -> float | None:
        if self.expiry is None or self.ticks:
            return None
        return time.monotonic() + max(self.expiry - self.clock(), 0) / NSEC_PER_SEC

    def read(self, f: OpenFile, count: int) -> bytes:
        if count < _U64.size:
            raise Errno(EINVAL)
        self.advance()
        if self.canceled:
            self.canceled, self.ticks = False, 0  # timerfd_canceled
            raise Errno(ECANCELED)
        if not self.ticks:
            if f.flags & O_NONBLOCK:
                raise Errno(EAGAIN)
            raise Sleep(self._expired, self.look_again_at())
        ticks, self.ticks = self.ticks, 0
        return _U64.pack(ticks)

    def _expired(self) -> bool:
        self.advance()
        return self.ticks > 0

    def poll(self, f: OpenFile) -> int:
        return POLLIN if self._expired() else 0

    def wakeups(self) -> tuple[int, int]:
        self.advance()
        return self.readers_woken, 0


def _timerfd(t: Task, fd: int) -> TimerFd:
    inode = t.files.get(s32(fd)).inode
    if not isinstance(inode, TimerFd):
        raise Errno(EINVAL)
    return inode


def _ns(sec: int, nsec: int) -> int:
    if sec < 0 or not 0 <= nsec < NSEC_PER_SEC:
        raise Errno(EINVAL)  # timespec64_valid
    return sec * NSEC_PER_SEC + nsec


def _itimerspec(interval: int, value: int) -> bytes:
    return ITIMERSPEC.pack(*divmod(interval, NSEC_PER_SEC), *divmod(value, NSEC_PER_SEC))


@syscall("sys_timerfd_create")
def sys_timerfd_create(t: Task, clockid: int, flags: int, *_: int) -> int:
    clockid, flags = s32(clockid), s32(flags)
    if flags & ~(TFD_CLOEXEC | TFD_NONBLOCK) or clockid not in _CLOCKS:
        raise Errno(EINVAL)
    if clockid in (CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM) and t.cred.euid != 0:
        raise Errno(EPERM)  # CAP_WAKE_ALARM
    timer = TimerFd(wall_clock(t, _CLOCKS[clockid]), clockid=_CLOCKS[clockid])
    f = OpenFile(timer, O_RDWR | (flags & TFD_NONBLOCK), b"anon_inode:[timerfd]")
    return t.files.install(f, cloexec=bool(flags & TFD_CLOEXEC), limit=t.nofile())


@syscall("sys_timerfd_settime")
def sys_timerfd_settime(t: Task, ufd: int, flags: int, utmr: int, otmr: int, *_: int) -> int:
    isec, insec, vsec, vnsec = ITIMERSPEC.unpack(copy_from_user(t.mm, utmr, ITIMERSPEC.size))
    if s32(flags) & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET):
        raise Errno(EINVAL)
    interval, value = _ns(isec, insec), _ns(vsec, vnsec)
    timer = _timerfd(t, ufd)
    old = timer.remaining()
    # timerfd_setup_cancel: an absolute CLOCK_REALTIME timer may ask to be cancelled when the clock is set.
    cancel = flags & TFD_TIMER_ABSTIME and flags & TFD_TIMER_CANCEL_ON_SET and timer.realtime
    timer.cancel_on = t.machine.wallclock if cancel else None
    timer.steps_seen, timer.canceled = t.machine.wallclock.steps, False
    if flags & TFD_TIMER_ABSTIME:
        value = t.nsproxy.time.to_host(timer.clockid, value)  # timerfd_setup: timens_ktime_to_host
    timer.arm(value, interval, absolute=bool(flags & TFD_TIMER_ABSTIME))
    if otmr:
        copy_to_user(t.mm, otmr, _itimerspec(*old))
    return 0


@syscall("sys_timerfd_gettime")
def sys_timerfd_gettime(t: Task, ufd: int, otmr: int, *_: int) -> int:
    copy_to_user(t.mm, otmr, _itimerspec(*_timerfd(t, ufd).remaining()))
    return 0
