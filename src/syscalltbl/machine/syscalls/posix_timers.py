"""timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete (kernel/time/posix-timers.c).

A timer notifies by a signal to the process (SIGEV_SIGNAL, and glibc's
SIGEV_THREAD, which the kernel treats alike), to one of its threads
(SIGEV_THREAD_ID) or not at all (SIGEV_NONE). Its siginfo is SI_TIMER with
si_timerid, si_overrun and si_value. While its signal is still pending a
further expiry only counts an overrun, which the pending siginfo carries
(the sigqueue is the timer's own on Linux). Timers are the process's: not
inherited by fork, deleted at exec and exit, and at most RLIMIT_SIGPENDING
of them, as Linux's are bounded by the signal queue they each hold.
"""

from __future__ import annotations

import struct

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.ktimers import (
    DELAYTIMER_MAX,
    KTIME_MAX,
    WALL_CLOCKS,
    CpuClock,
    PosixTimer,
    Timer,
    cpu_clock,
)
from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.process import Task, ThreadGroup
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EAGAIN, EINVAL, EOPNOTSUPP, Errno
from syscalltbl.machine.uapi.resource import RLIMIT_SIGPENDING
from syscalltbl.machine.uapi.signal import NSIG, SIGALRM
from syscalltbl.machine.uapi.time import (
    CLOCK_BOOTTIME,
    CLOCK_MONOTONIC,
    CLOCK_MONOTONIC_COARSE,
    CLOCK_MONOTONIC_RAW,
    CLOCK_REALTIME,
    CLOCK_REALTIME_COARSE,
    CLOCK_TAI,
    NSEC_PER_SEC,
    TIMER_ABSTIME,
)
from syscalltbl.machine.uapi.timerfd import CLOCK_BOOTTIME_ALARM, CLOCK_REALTIME_ALARM
from syscalltbl.machine.uapi.timers import (
    ITIMERSPEC,
    SI_TIMER,
    SIGEV_NONE,
    SIGEV_SIGNAL,
    SIGEV_THREAD,
    SIGEV_THREAD_ID,
    SIGEVENT,
)

#: The wall clocks a timer may use; an alarm clock is its plain clock (nothing suspends), TAI is realtime.
_WALL = {CLOCK_REALTIME: CLOCK_REALTIME, CLOCK_MONOTONIC: CLOCK_MONOTONIC, CLOCK_BOOTTIME: CLOCK_BOOTTIME,
         CLOCK_TAI: CLOCK_REALTIME}  # fmt: skip
#: Clocks that exist but have no timers: no timer_create in their k_clock, or, for the alarm clocks, no
#: RTC to wake the machine (alarm_timer_create's EOPNOTSUPP, as on a host without one, this one's).
_NO_TIMERS = frozenset({CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_REALTIME_ALARM,
                        CLOCK_BOOTTIME_ALARM})
_INT = struct.Struct("<i")


def timer_siginfo(signo: int, timer_id: int, overrun: int, value: int) -> bytes:
    """struct siginfo of a timer's signal: si_timerid, si_overrun, si_value (_sifields._timer)."""
    head = struct.pack("<iii4xiiQ", signo, 0, SI_TIMER, timer_id, min(overrun, DELAYTIMER_MAX), value)
    return head.ljust(signals.SIGINFO_SIZE, b"\0")


def _fire(group: ThreadGroup, timer_id: int, _count: int) -> None:
    """The timer expired: its signal, with no overrun yet (counted when it is delivered, ktimers.py)."""
    posix = group.timers.posix.get(timer_id)
    if posix is None or not group.threads:
        return
    target = posix.target
    sig = posix.signo
    info = timer_siginfo(sig, timer_id, 0, posix.value)
    if target is not None:
        signals.send_thread(target, sig, info)
    else:
        signals.send(group.leader if group.leader.status is None else group.threads[0], sig, info)
    queue = target.signals if target is not None else group.shared
    if queue.info.get(sig) is not info:
        posix.timer.delivered()  # dropped (ignored, or its number already pending): armed again at once


def _clock(t: Task, clockid: int) -> CpuClock | int:
    """What a timer on `clockid` runs on: a cpu clock, or the wall clock's id."""
    if clockid in _WALL:
        return _WALL[clockid]
    if clockid in _NO_TIMERS:
        raise Errno(EOPNOTSUPP)
    return cpu_clock(t, clockid)  # EINVAL for anything else


def _notification(t: Task, event: int) -> tuple[int, int, Task | None]:
    """(signal, sigev_value, thread) a sigevent asks for (good_sigevent); signal 0 for SIGEV_NONE."""
    value, signo, notify, tid = SIGEVENT.unpack(copy_from_user(t.mm, event, SIGEVENT.size))
    target: Task | None = None
    if notify == SIGEV_SIGNAL | SIGEV_THREAD_ID:
        found = find_task_vpid(t, tid)
        if found is None or found.status is not None or found.group is not t.group:
            raise Errno(EINVAL)
        target = found
    elif notify not in (SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_NONE):
        raise Errno(EINVAL)
    if notify == SIGEV_NONE:
        return 0, value, None
    if not 0 < signo <= NSIG:
        raise Errno(EINVAL)
    return signo, value, target


def _room(t: Task) -> bool:
    """May the process make one more timer? Below its RLIMIT_SIGPENDING, and the machine's timers below
    RLIMIT_SIGPENDING's default (threads-max / 2), which a raised rlimit cannot lift: each timer is
    host memory."""
    ceiling = t.machine.limits.nproc
    rlimits = t.group.rlimits
    limit = rlimits[RLIMIT_SIGPENDING][0] if rlimits is not None else ceiling
    return len(t.group.timers.posix) < limit and t.machine.timers.posix_total < ceiling


@syscall("sys_timer_create")
def sys_timer_create(t: Task, which_clock: int, event: int, created: int, *_: int) -> int:
    raw_event = copy_from_user(t.mm, event, SIGEVENT.size) if event else None
    clock = _clock(t, which_clock)
    timers = t.group.timers
    if not _room(t):
        raise Errno(EAGAIN)
    # The next free id after the last one given, from 0 (posix_timer_add), wrapping at INT_MAX.
    timer_id = (timers.last_id + 1) & 0x7FFFFFFF
    while timer_id in timers.posix:
        timer_id = (timer_id + 1) & 0x7FFFFFFF
    if raw_event is not None:
        signo, value, target = _notification(t, event)
    else:
        signo, value, target = SIGALRM, timer_id, None  # the default: SIGALRM with the id as si_value
    copy_to_user(t.mm, created, _INT.pack(timer_id))
    group = t.group
    source = clock if isinstance(clock, CpuClock) else (
        t.machine.wallclock.realtime_ns if clock == CLOCK_REALTIME else WALL_CLOCKS[clock])
    timer = Timer(t.machine.timers, source, lambda count: _fire(group, timer_id, count), silent=not signo,
                  rearm_on_delivery=True)
    timers.posix[timer_id] = PosixTimer(timer, signo, value, target, -1 if isinstance(clock, CpuClock) else clock)
    t.machine.timers.posix_total += 1
    timers.last_id = timer_id
    return 0


def _posix(t: Task, timer_id: int) -> PosixTimer:
    posix = t.group.timers.posix.get(timer_id)
    if posix is None:
        raise Errno(EINVAL)
    return posix


def _itimerspec(interval: int, value: int) -> bytes:
    return ITIMERSPEC.pack(*divmod(interval, NSEC_PER_SEC), *divmod(value, NSEC_PER_SEC))


def _ns(sec: int, nsec: int) -> int:
    if sec < 0 or not 0 <= nsec < NSEC_PER_SEC:
        raise Errno(EINVAL)  # timespec64_valid
    return min(sec * NSEC_PER_SEC + nsec, KTIME_MAX)  # timespec64_to_ktime saturates


@syscall("sys_timer_settime")
def sys_timer_settime(t: Task, timer_id: int, flags: int, new: int, old: int, *_: int) -> int:
    if not new:
        raise Errno(EINVAL)
    isec, insec, vsec, vnsec = ITIMERSPEC.unpack(copy_from_user(t.mm, new, ITIMERSPEC.size))
    interval, value = _ns(isec, insec), _ns(vsec, vnsec)
    posix = _posix(t, timer_id)
    previous = posix.timer.remaining()
    posix.overrun = 0
    if flags & TIMER_ABSTIME:
        value = t.nsproxy.time.to_host(posix.clockid, value)  # common_timer_set: timens_ktime_to_host
    posix.timer.arm(value, interval, absolute=bool(flags & TIMER_ABSTIME))
    if old:
        copy_to_user(t.mm, old, _itimerspec(*previous))
    return 0


@syscall("sys_timer_gettime")
def sys_timer_gettime(t: Task, timer_id: int, setting: int, *_: int) -> int:
    copy_to_user(t.mm, setting, _itimerspec(*_posix(t, timer_id).timer.remaining()))
    return 0


@syscall("sys_timer_getoverrun")
def sys_timer_getoverrun(t: Task, timer_id: int, *_: int) -> int:
    return min(_posix(t, timer_id).overrun, DELAYTIMER_MAX)


@syscall("sys_timer_delete")
def sys_timer_delete(t: Task, timer_id: int, *_: int) -> int:
    posix = _posix(t, timer_id)
    posix.timer.disarm()
    del t.group.timers.posix[timer_id]
    t.machine.timers.posix_total -= 1
    return 0
