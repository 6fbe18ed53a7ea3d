"""Setting the time: clock_settime, settimeofday, adjtimex and clock_adjtime (kernel/time/posix-timers.c, time.c).

Each moves the machine's own CLOCK_REALTIME and NTP state (kernel/timekeeping.py),
never the host's, with CAP_SYS_TIME and Linux's checks in Linux's order.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.ktimers import cpu_clock
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.timekeeping import USEC_PER_SEC, WallClock, valid_settod
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_TIME
from syscalltbl.machine.uapi.errno import EINVAL, EOPNOTSUPP, EPERM, Errno
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
    NSEC_PER_SEC,
)
from syscalltbl.machine.uapi.timerfd import CLOCK_BOOTTIME_ALARM, CLOCK_REALTIME_ALARM
from syscalltbl.machine.uapi.timex import (
    ADJ_ADJTIME,
    ADJ_FREQUENCY,
    ADJ_NANO,
    ADJ_OFFSET_READONLY,
    ADJ_OFFSET_SINGLESHOT,
    ADJ_SETOFFSET,
    ADJ_TICK,
    PPM_SCALE,
    STA_NANO,
    TIME_DEL,
    TIME_ERROR,
    TIME_INS,
    TIME_OOP,
    TIME_WAIT,
    TIMEX,
)

NSEC_PER_USEC = 1000
USER_HZ = 100
LLONG_MAX = (1 << 63) - 1
#: The clocks besides CLOCK_REALTIME that posix_clocks[] has (clockid_to_kclock finds them).
_KNOWN = frozenset({CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_MONOTONIC_RAW,
                    CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM,
                    CLOCK_BOOTTIME_ALARM, CLOCK_TAI})  # fmt: skip


def _settable(clockid: int) -> bool:
    """clockid_to_kclock and k_clock->clock_set: CLOCK_REALTIME is set, a pid's cpu clock (a negative
    clockid) has a clock_set that refuses; the rest have none (EINVAL)."""
    return clockid == CLOCK_REALTIME or clockid < 0


def do_settimeofday(t: Task, ns: int | None, tz: tuple[int, int] | None) -> None:
    """do_sys_settimeofday64: the time must be settable, the caller needs CAP_SYS_TIME, the zone +-15 hours."""
    if ns is not None and not valid_settod(ns // NSEC_PER_SEC, ns % NSEC_PER_SEC):
        raise Errno(EINVAL)
    if not t.cred.capable(CAP_SYS_TIME):
        raise Errno(EPERM)
    clock = t.machine.wallclock
    if tz is not None:
        if not -15 * 60 <= tz[0] <= 15 * 60:
            raise Errno(EINVAL)
        clock.set_zone(*tz)
    if ns is not None:
        clock.step_to(ns)


@syscall("sys_clock_settime")
def sys_clock_settime(t: Task, which_clock: int, tp: int, *_: int) -> int:
    clockid = s32(which_clock)
    if not _settable(clockid):
        raise Errno(EINVAL)
    sec, nsec = TIMESPEC.unpack(copy_from_user(t.mm, tp, TIMESPEC.size))
    if clockid < 0:
        cpu_clock(t, clockid)  # posix_cpu_clock_set: EINVAL for a clockid naming no process, else never
        raise Errno(EPERM)
    if not valid_settod(sec, nsec):
        raise Errno(EINVAL)
    do_settimeofday(t, int(sec) * NSEC_PER_SEC + int(nsec), None)
    return 0


@syscall("sys_settimeofday")
def sys_settimeofday(t: Task, tv: int, tz: int, *_: int) -> int:
    ns = None
    if tv:
        sec, usec = TIMESPEC.unpack(copy_from_user(t.mm, tv, TIMESPEC.size))
        if sec < 0 or not 0 <= usec < USEC_PER_SEC:
            raise Errno(EINVAL)  # timeval_valid
        ns = int(sec) * NSEC_PER_SEC + int(usec) * NSEC_PER_USEC
    zone = None
    if tz:
        minuteswest, dsttime = TIMEZONE.unpack(copy_from_user(t.mm, tz, TIMEZONE.size))
        zone = (int(minuteswest), int(dsttime))
    do_settimeofday(t, ns, zone)
    return 0


def _validate(t: Task, modes: int, tv_sec: int, tv_usec: int, freq: int, tick: int) -> None:
    """timekeeping_validate_timex."""
    capable = t.cred.capable(CAP_SYS_TIME)
    if modes & ADJ_ADJTIME:
        if modes & ADJ_OFFSET_SINGLESHOT != ADJ_OFFSET_SINGLESHOT:
            raise Errno(EINVAL)  # singleshot goes with no other mode bit
        if not modes & ADJ_OFFSET_READONLY and not capable:
            raise Errno(EPERM)
    else:
        if modes and not capable:
            raise Errno(EPERM)
        if modes & ADJ_TICK and not 900000 // USER_HZ <= tick <= 1100000 // USER_HZ:
            raise Errno(EINVAL)  # the quartz off by more than 10%
    if modes & ADJ_SETOFFSET:
        if not capable:
            raise Errno(EPERM)
        if tv_usec < 0 or tv_usec >= (NSEC_PER_SEC if modes & ADJ_NANO else USEC_PER_SEC):
            raise Errno(EINVAL)
    if modes & ADJ_FREQUENCY and not -(LLONG_MAX // PPM_SCALE) <= freq <= LLONG_MAX // PPM_SCALE:
        raise Errno(EINVAL)  # would overflow the scaled frequency


def _read_timex(t: Task, buf: int) -> list[int]:
    return list(TIMEX.unpack(copy_from_user(t.mm, buf, TIMEX.size)))


def do_adjtimex(t: Task, buf: int, fields: list[int]) -> int:
    """do_adjtimex: apply the modes of `fields` (the struct timex read from `buf`), write the state back
    there; the clock's state."""
    modes, offset, freq, maxerror, esterror, status, constant = fields[:7]
    tv_sec, tv_usec, tick = fields[9], fields[10], fields[11]
    _validate(t, modes, tv_sec, tv_usec, freq, tick)
    clock: WallClock = t.machine.wallclock
    if modes & ADJ_SETOFFSET:
        clock.step_by(tv_sec * NSEC_PER_SEC + tv_usec * (1 if modes & ADJ_NANO else NSEC_PER_USEC))
    now = clock.realtime_ns()
    ntp = clock.ntp
    if modes & ADJ_ADJTIME:
        out_offset = clock.adjtime(None if modes & ADJ_OFFSET_READONLY else offset)
    else:
        if modes:
            clock.apply_modes(modes, offset, freq, maxerror, esterror, status, constant, tick)
        out_offset = clock.offset_out()
    result = TIME_ERROR if ntp.error() else ntp.state
    sec, nsec = divmod(now, NSEC_PER_SEC)
    tai = ntp.tai
    if sec >= ntp.next_leap:  # the leap is due but not yet taken: report it as taken
        if ntp.state == TIME_INS:
            result, tai, sec = TIME_OOP, tai + 1, sec - 1
        elif ntp.state == TIME_DEL:
            result, tai, sec = TIME_WAIT, tai - 1, sec + 1
        elif ntp.state == TIME_OOP and sec == ntp.next_leap:
            result = TIME_WAIT
    sub = nsec if ntp.status & STA_NANO else nsec // NSEC_PER_USEC
    fields[1:12] = [out_offset, ntp.freq_out(), ntp.maxerror, ntp.esterror, ntp.status, ntp.constant, 1,
                    32768000, sec, sub, ntp.tick]  # precision 1 us; tolerance MAXFREQ_SCALED / PPM_SCALE
    fields[12:20] = [0] * 8  # no PPS: its frequency, jitter, shift and counters are zero
    fields[20] = tai
    copy_to_user(t.mm, buf, TIMEX.pack(*fields))
    return result


@syscall("sys_adjtimex")
def sys_adjtimex(t: Task, txc_p: int, *_: int) -> int:
    return do_adjtimex(t, txc_p, _read_timex(t, txc_p))


@syscall("sys_clock_adjtime")
def sys_clock_adjtime(t: Task, which_clock: int, utx: int, *_: int) -> int:
    fields = _read_timex(t, utx)  # copied first: EFAULT before the clock is looked at
    clockid = s32(which_clock)
    if clockid == CLOCK_REALTIME:
        return do_adjtimex(t, utx, fields)
    if clockid < 0 or clockid in _KNOWN:
        raise Errno(EOPNOTSUPP)  # a clock without clock_adj: all but CLOCK_REALTIME
    raise Errno(EINVAL)
