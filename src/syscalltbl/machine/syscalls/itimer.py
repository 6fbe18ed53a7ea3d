"""alarm, setitimer, getitimer (kernel/time/itimer.c): a process's three interval timers.

ITIMER_REAL counts wall time and sends SIGALRM, ITIMER_VIRTUAL the
process's user time (SIGVTALRM), ITIMER_PROF its user and system time
(SIGPROF); each signal goes to the process, with si_code SI_KERNEL
(SEND_SIG_PRIV). The timers survive exec; a forked child starts with none.
"""

from __future__ import annotations

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.ktimers import CPUCLOCK_PROF, CPUCLOCK_VIRT, KTIME_MAX, WALL_CLOCKS, CpuClock, Timer
from syscalltbl.machine.kernel.process import Task, ThreadGroup
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.signal import SI_KERNEL, SIGALRM, SIGPROF, SIGVTALRM
from syscalltbl.machine.uapi.time import CLOCK_MONOTONIC
from syscalltbl.machine.uapi.timers import ITIMER_PROF, ITIMER_REAL, ITIMER_VIRTUAL, ITIMERVAL

NSEC_PER_USEC = 1000
USEC_PER_SEC = 1_000_000
#: A cpu timer's first expiry comes a tick late at the earliest (set_cpu_itimer's TICK_NSEC, HZ=250).
TICK_NSEC = 4_000_000
_SIGNALS = {ITIMER_REAL: SIGALRM, ITIMER_VIRTUAL: SIGVTALRM, ITIMER_PROF: SIGPROF}


def _timer(t: Task, which: int) -> Timer:
    """The process's timer `which`, made disarmed on first use; EINVAL for no such timer."""
    if which not in _SIGNALS:
        raise Errno(EINVAL)
    timers = t.group.timers.itimers
    timer = timers.get(which)
    if timer is None:
        group = t.group
        clock = WALL_CLOCKS[CLOCK_MONOTONIC] if which == ITIMER_REAL else CpuClock(
            CPUCLOCK_VIRT if which == ITIMER_VIRTUAL else CPUCLOCK_PROF, group)
        timer = timers[which] = Timer(t.machine.timers, clock, lambda _count: _expired(group, _SIGNALS[which]),
                                      rearm_on_delivery=which == ITIMER_REAL)  # fmt: skip
    return timer


def _expired(group: ThreadGroup, sig: int) -> None:
    if not group.threads:
        return
    info = signals.siginfo(sig, SI_KERNEL)
    signals.send(group.leader if group.leader.status is None else group.threads[0], sig, info)
    real = group.timers.itimers.get(ITIMER_REAL)
    if sig == SIGALRM and real is not None and group.shared.info.get(sig) is not info:
        real.delivered()  # SIGALRM ignored or already pending: the next period is armed at once


def _to_ns(sec: int, usec: int) -> int:
    if sec < 0 or not 0 <= usec < USEC_PER_SEC:
        raise Errno(EINVAL)  # timeval_valid
    return min(sec * 10**9 + usec * NSEC_PER_USEC, KTIME_MAX)  # saturated, as timespec64_to_ktime does


def _pack(interval: int, value: int) -> bytes:
    """As an itimerval: microseconds, truncated (ns_to_kernel_old_timeval)."""
    isec, iusec = divmod(interval // NSEC_PER_USEC, USEC_PER_SEC)
    vsec, vusec = divmod(value // NSEC_PER_USEC, USEC_PER_SEC)
    return ITIMERVAL.pack(isec, iusec, vsec, vusec)


def _current(t: Task, which: int) -> tuple[int, int]:
    """(interval, time left) of a timer; an expired one not yet fired shows 1 us left, as Linux."""
    interval, left = _timer(t, which).remaining()
    return interval, max(left, NSEC_PER_USEC) if left else 0


def do_setitimer(t: Task, which: int, value: int, interval: int) -> tuple[int, int]:
    """Arm (or with value 0 disarm) the timer; its (interval, time left) before."""
    old = _current(t, which)
    if which != ITIMER_REAL and value:
        value = min(value + TICK_NSEC, KTIME_MAX)
    timer = _timer(t, which)
    timer.arm(value, interval)
    if which != ITIMER_REAL:
        timer.interval = interval  # set_cpu_itimer keeps it even when the value disarms
    return old


@syscall("sys_getitimer")
def sys_getitimer(t: Task, which: int, value: int, *_: int) -> int:
    copy_to_user(t.mm, value, _pack(*_current(t, which)))
    return 0


@syscall("sys_setitimer")
def sys_setitimer(t: Task, which: int, value: int, ovalue: int, *_: int) -> int:
    if value:
        isec, iusec, vsec, vusec = ITIMERVAL.unpack(copy_from_user(t.mm, value, ITIMERVAL.size))
        interval, ns = _to_ns(isec, iusec), _to_ns(vsec, vusec)
    else:
        interval = ns = 0  # NULL disarms, as Linux still allows
    _timer(t, which)  # EINVAL for a bad `which` before anything changes
    old = do_setitimer(t, which, ns, interval)
    if ovalue:
        copy_to_user(t.mm, ovalue, _pack(*old))
    return 0


@syscall("sys_alarm")
def sys_alarm(t: Task, seconds: int, *_: int) -> int:
    _interval, left = do_setitimer(t, ITIMER_REAL, (seconds & 0xFFFFFFFF) * 10**9, 0)
    sec, usec = divmod(left // NSEC_PER_USEC, USEC_PER_SEC)
    # alarm_setitimer: round to the nearest second, and a fraction left is one second, never 0.
    if (not sec and usec) or usec >= USEC_PER_SEC // 2:
        sec += 1
    return sec
