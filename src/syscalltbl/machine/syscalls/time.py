"""Clocks and sleeping (kernel/time/*.c), plus getcpu."""

from __future__ import annotations

import struct
import time
import weakref
from collections.abc import Callable

from syscalltbl.machine.kernel.ktimers import CPUCLOCK_PERTHREAD_MASK, CPUCLOCK_SCHED, cpu_clock
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.procfs import boottime_ns
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.fileargs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, EOPNOTSUPP, Errno
from syscalltbl.machine.uapi.structs import TIMESPEC, TIMEZONE
from syscalltbl.machine.uapi.time import (
    CLOCK_BOOTTIME,
    CLOCK_MONOTONIC,
    CLOCK_MONOTONIC_COARSE,
    CLOCK_MONOTONIC_RAW,
    CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_REALTIME,
    CLOCK_REALTIME_COARSE,
    CLOCK_TAI,
    CLOCK_THREAD_CPUTIME_ID,
    TIMER_ABSTIME,
)

NSEC = 10**9
TICK_NSEC = 4_000_000  # a jiffy at Debian's HZ=250

#: clockid -> nanoseconds (include/uapi/linux/time.h); the realtime clocks are the machine's (wall_clock).
CLOCKS: dict[int, Callable[[], int]] = {
    1: time.monotonic_ns,  # CLOCK_MONOTONIC
    2: time.process_time_ns,  # CLOCK_PROCESS_CPUTIME_ID: the emulator's own
    3: time.thread_time_ns,  # CLOCK_THREAD_CPUTIME_ID
    4: time.monotonic_ns,  # CLOCK_MONOTONIC_RAW
    6: time.monotonic_ns,  # CLOCK_MONOTONIC_COARSE
    7: boottime_ns,  # CLOCK_BOOTTIME: /proc/uptime's clock too
}


def wall_clock(t: Task, clockid: int) -> Callable[[], int]:
    """A clock that is not a cpu clock, as the caller's machine reads it: CLOCK_REALTIME (and its coarse
    reading) and CLOCK_TAI from the machine's own wall clock (kernel/timekeeping.py); EINVAL for no clock."""
    clockid = s32(clockid)
    if clockid in (CLOCK_REALTIME, CLOCK_REALTIME_COARSE):
        return t.machine.wallclock.realtime_ns
    if clockid == CLOCK_TAI:
        return t.machine.wallclock.tai_ns
    clock = CLOCKS.get(clockid)
    if clock is None:
        raise Errno(EINVAL)
    return clock


def _task_clock(t: Task, clockid: int) -> Callable[[], int]:
    """A clock as the caller reads it: the cpu clocks (the process's, a thread's, or one a negative clockid
    encodes) are the machine's own accounting (kernel/cputime.py), not the host's."""
    clockid = s32(clockid)
    if clockid in (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID) or clockid < 0:
        return cpu_clock(t, clockid).read
    return wall_clock(t, clockid)


#: The clocks the vDSO reads from its sample: the system call reads the same (kernel/vdso.py's ClockSource).
VDSO_MONOTONIC = frozenset({CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME})


def _read_clock(t: Task, clockid: int) -> int:
    """clock_gettime's reading: the vDSO's clocks as the vDSO reads them, so both paths agree to the ns."""
    clockid = s32(clockid)
    if clockid in (CLOCK_REALTIME, CLOCK_REALTIME_COARSE):
        return t.machine.clock.realtime_ns()
    if clockid in VDSO_MONOTONIC:
        return t.machine.clock.monotonic_ns()
    return _task_clock(t, clockid)()


@syscall("sys_gettimeofday")
def sys_gettimeofday(t: Task, tv: int, tz: int, *_: int) -> int:
    if tv:
        sec, nsec = divmod(t.machine.clock.realtime_ns(), NSEC)
        copy_to_user(t.mm, tv, TIMESPEC.pack(sec, nsec // 1000))
    if tz:
        copy_to_user(t.mm, tz, TIMEZONE.pack(*t.machine.wallclock.tz))  # what settimeofday last set
    return 0


@syscall("sys_clock_gettime")
def sys_clock_gettime(t: Task, clockid: int, tp: int, *_: int) -> int:
    # A time namespace moves the monotonic clocks and CLOCK_BOOTTIME (offset 0 for the others).
    now = _read_clock(t, clockid) + t.nsproxy.time.offset_ns(s32(clockid))
    copy_to_user(t.mm, tp, TIMESPEC.pack(*divmod(now, NSEC)))
    return 0


@syscall("sys_clock_getres")
def sys_clock_getres(t: Task, clockid: int, tp: int, *_: int) -> int:
    _task_clock(t, clockid)
    # The coarse clocks and the tick-sampled cpu clocks (PROF, VIRT) tick with jiffies (HZ=250); the rest by the ns.
    coarse = s32(clockid) in (5, 6) or (s32(clockid) < 0 and s32(clockid) & 3 != CPUCLOCK_SCHED)
    if tp:
        copy_to_user(t.mm, tp, TIMESPEC.pack(0, TICK_NSEC if coarse else 1))
    return 0


@syscall("sys_time")
def sys_time(t: Task, tloc: int, *_: int) -> int:
    now = t.machine.clock.realtime_ns() // NSEC
    if tloc:
        copy_to_user(t.mm, tloc, struct.pack("<q", now))
    return now


def _timespec(t: Task, addr: int) -> int:
    sec: int
    nsec: int
    sec, nsec = TIMESPEC.unpack(copy_from_user(t.mm, addr, TIMESPEC.size))
    if sec < 0 or not 0 <= nsec < NSEC:
        raise Errno(EINVAL)
    return sec * NSEC + nsec


#: Sleepers' deadlines, by task: the call runs again when it wakes and must not start over.
_deadlines: weakref.WeakKeyDictionary[Task, tuple[tuple[int, ...], float]] = weakref.WeakKeyDictionary()


def _sleep(t: Task, args: tuple[int, ...], ns: int, rem: int) -> int:
    """Sleep `ns` from the first run of this call; a handled signal ends it with EINTR and writes `rem`."""
    now = time.monotonic()
    started = _deadlines.pop(t, None)
    deadline = started[1] if started is not None and started[0] == args else now + ns / NSEC
    if now >= deadline:
        return 0
    _deadlines[t] = (args, deadline)

    def interrupted() -> int | None:
        _deadlines.pop(t, None)
        if rem:
            left = max(int((deadline - time.monotonic()) * NSEC), 0)
            try:
                copy_to_user(t.mm, rem, TIMESPEC.pack(left // NSEC, left % NSEC))
            except Errno as exc:
                return exc.errno  # hrtimer_nanosleep_restart answers EFAULT for a bad rem
        return None

    # hrtimer_nanosleep's -ERESTART_RESTARTBLOCK: EINTR after a handler, SA_RESTART or not.
    raise Sleep(lambda: time.monotonic() >= deadline, deadline, restartable=False, on_interrupt=interrupted)


@syscall("sys_nanosleep")
def sys_nanosleep(t: Task, req: int, rem: int, *_: int) -> int:
    return _sleep(t, (req, rem), _timespec(t, req), rem)


@syscall("sys_clock_nanosleep")
def sys_clock_nanosleep(t: Task, clockid: int, flags: int, req: int, rem: int, *_: int) -> int:
    clock = _task_clock(t, clockid)
    if s32(clockid) == CLOCK_THREAD_CPUTIME_ID:
        raise Errno(EOPNOTSUPP)  # its k_clock has no nsleep (glibc's clock_nanosleep says EINVAL)
    if s32(clockid) < 0 and s32(clockid) & CPUCLOCK_PERTHREAD_MASK:
        raise Errno(EINVAL)  # a thread cannot sleep on a thread's cpu clock (posix_cpu_nsleep)
    ns = _timespec(t, req)
    if flags & TIMER_ABSTIME:
        ns = max(t.nsproxy.time.to_host(s32(clockid), ns) - clock(), 0)  # hrtimer_nanosleep: timens_ktime_to_host
        rem = 0  # an absolute sleep has nothing to report
    return _sleep(t, (clockid, flags, req, rem), ns, rem)


@syscall("sys_getcpu")
def sys_getcpu(t: Task, cpu: int, node: int, *_: int) -> int:
    for ptr in (cpu, node):
        if ptr:
            copy_to_user(t.mm, ptr, bytes(4))  # one cpu, one node
    return 0
