"""The machine's wall clock (CLOCK_REALTIME) and its NTP state (kernel/time/timekeeping.c, ntp.c).

The machine's realtime is the host's plus an offset the machine keeps:
clock_settime, settimeofday and adjtimex's ADJ_SETOFFSET move the offset,
never the host's clock. adjtime()'s slew (ADJ_OFFSET_SINGLESHOT) is applied
at the kernel's rate, 500 us a second, until it is used up. The NTP state is
the one Linux keeps when no ntpd runs: adjtimex reads and writes it with
Linux's checks and clamps, and a leap second set with STA_INS or STA_DEL is
inserted or deleted at the next UTC midnight, the clock stepping back (or
forward) a second as the kernel's second_overflow does. The PLL's frequency
and offset are kept and read back, but do not steer the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.time import NSEC_PER_SEC
from syscalltbl.machine.uapi.timex import (
    ADJ_ESTERROR,
    ADJ_FREQUENCY,
    ADJ_MAXERROR,
    ADJ_MICRO,
    ADJ_NANO,
    ADJ_OFFSET,
    ADJ_STATUS,
    ADJ_TAI,
    ADJ_TICK,
    ADJ_TIMECONST,
    MAX_TAI_OFFSET,
    MAXFREQ_SCALED,
    MAXPHASE,
    MAXTC,
    NTP_PHASE_LIMIT,
    NTP_SCALE_SHIFT,
    PPM_SCALE,
    STA_CLOCKERR,
    STA_DEL,
    STA_INS,
    STA_NANO,
    STA_PLL,
    STA_PPSERROR,
    STA_PPSFREQ,
    STA_PPSJITTER,
    STA_PPSSIGNAL,
    STA_PPSTIME,
    STA_PPSWANDER,
    STA_RONLY,
    STA_UNSYNC,
    TIME_DEL,
    TIME_INS,
    TIME_OK,
    TIME_OOP,
    TIME_WAIT,
)
from syscalltbl.store.record import Value

NSEC_PER_USEC: Final = 1000
USEC_PER_SEC: Final = 1_000_000
SECS_PER_DAY: Final = 86400
#: include/linux/time64.h: the latest second settimeofday may set (KTIME_SEC_MAX less 30 years of uptime).
TIME_SETTOD_SEC_MAX: Final = ((1 << 63) - 1) // NSEC_PER_SEC - 30 * 365 * SECS_PER_DAY
#: What adjtime() slews a second, us (MAX_TICKADJ).
MAX_TICKADJ_US: Final = 500
#: tick_usec at boot: a USER_HZ tick, us.
USER_TICK_USEC: Final = 10000
NO_LEAP: Final = 1 << 63
#: ntp.c's frequency read back: the kernel's own fixed-point round trip.
PPM_SCALE_INV_SHIFT: Final = 19
PPM_SCALE_INV: Final = (1 << (PPM_SCALE_INV_SHIFT + NTP_SCALE_SHIFT)) // PPM_SCALE + 1


def shift_right(x: int, s: int) -> int:
    """ntp.c's shift_right: rounds toward zero for a negative value too."""
    return -(-x >> s) if x < 0 else x >> s


def valid_settod(sec: int, nsec: int) -> bool:
    """timespec64_valid_settod."""
    return sec >= 0 and 0 <= nsec < NSEC_PER_SEC and sec < TIME_SETTOD_SEC_MAX


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


class Ntp(Value):
    """ntp.c's state, as at boot with no ntpd: unsynchronised, no offset, no frequency error."""

    status: int
    state: int
    offset_ns: int  # time_offset, as last given
    freq: int  # time_freq, scaled ns/s << NTP_SCALE_SHIFT
    maxerror: int
    esterror: int
    constant: int
    tick: int
    tai: int
    next_leap: int  # the second a leap is due at
    reftime: int

    __slots__ = _fields = (
        "status", "state", "offset_ns", "freq", "maxerror", "esterror", "constant", "tick", "tai", "next_leap",
        "reftime",
    )

    def __init__(
        self,
        status: int = STA_UNSYNC,
        state: int = TIME_OK,
        offset_ns: int = 0,
        freq: int = 0,
        maxerror: int = NTP_PHASE_LIMIT,
        esterror: int = NTP_PHASE_LIMIT,
        constant: int = 2,
        tick: int = USER_TICK_USEC,
        tai: int = 0,
        next_leap: int = NO_LEAP,
        reftime: int = 0,
    ) -> None:
        self.status = status
        self.state = state
        self.offset_ns = offset_ns
        self.freq = freq
        self.maxerror = maxerror
        self.esterror = esterror
        self.constant = constant
        self.tick = tick
        self.tai = tai
        self.next_leap = next_leap
        self.reftime = reftime

    def error(self) -> bool:
        """is_error_status: unsynchronised, or a PPS discipline asked for without its signal."""
        s = self.status
        return bool(
            s & (STA_UNSYNC | STA_CLOCKERR)
            or (s & (STA_PPSFREQ | STA_PPSTIME) and not s & STA_PPSSIGNAL)
            or s & (STA_PPSTIME | STA_PPSJITTER) == STA_PPSTIME | STA_PPSJITTER
            or (s & STA_PPSFREQ and s & (STA_PPSWANDER | STA_PPSERROR))
        )

    def freq_out(self) -> int:
        """txc->freq: the frequency in ppm << 16."""
        return shift_right((self.freq >> PPM_SCALE_INV_SHIFT) * PPM_SCALE_INV, NTP_SCALE_SHIFT)


class Slew(Value):
    """adjtime()'s correction: `total_us` to apply, started at host-monotonic `since`."""

    total_us: int
    since: int

    __slots__ = _fields = ("total_us", "since")

    def __init__(self, total_us: int = 0, since: int = 0) -> None:
        self.total_us = total_us
        self.since = since

    def applied_us(self, now_mono: int) -> int:
        done = min(abs(self.total_us), MAX_TICKADJ_US * (now_mono - self.since) // NSEC_PER_SEC)
        return done if self.total_us >= 0 else -done


class WallClock(Value):
    """One machine's CLOCK_REALTIME and NTP state. `on_set` is told each time the clock is stepped."""

    offset_ns: int
    ntp: Ntp
    slew: Slew
    #: struct timezone (settimeofday's second argument): minutes west, dst type.
    tz: tuple[int, int]
    on_set: Callable[[], None] | None
    #: How many times the clock was stepped (clock_was_set): a TFD_TIMER_CANCEL_ON_SET timerfd compares it.
    steps: int
    #: The last realtime second the leap-second machinery looked at.
    _second: int

    __slots__ = _fields = ("offset_ns", "ntp", "slew", "tz", "on_set", "steps", "_second")

    def __init__(
        self,
        offset_ns: int = 0,
        ntp: Ntp | None = None,
        slew: Slew | None = None,
        tz: tuple[int, int] = (0, 0),
        on_set: Callable[[], None] | None = None,
        steps: int = 0,
        _second: int = 0,
    ) -> None:
        self.offset_ns = offset_ns
        self.ntp = Ntp() if ntp is None else ntp
        self.slew = Slew() if slew is None else slew
        self.tz = tz
        self.on_set = on_set
        self.steps = steps
        self._second = _second

    def realtime_ns(self) -> int:
        now = self._now()
        sec = now // NSEC_PER_SEC
        if sec != self._second:
            self._second_overflow(sec)
            now = self._now()
        return now

    def host_offset_ns(self) -> int:
        """The clock less the host's CLOCK_REALTIME now (what the vDSO's sample adds to CLOCK_MONOTONIC)."""
        self.realtime_ns()  # a leap second due is inserted or deleted first
        return self.offset_ns + self.slew.applied_us(time.monotonic_ns()) * NSEC_PER_USEC

    def tai_ns(self) -> int:
        return self.realtime_ns() + self.ntp.tai * NSEC_PER_SEC

    def _now(self) -> int:
        mono = time.monotonic_ns()
        return time.time_ns() + self.offset_ns + self.slew.applied_us(mono) * NSEC_PER_USEC

    def step_to(self, ns: int) -> None:
        """Set the clock (do_settimeofday64); EINVAL for a time before the machine's CLOCK_MONOTONIC says."""
        if ns < time.monotonic_ns():
            raise Errno(EINVAL)  # wall_to_monotonic would turn positive
        self.offset_ns += ns - self._now()
        self._stepped()

    def step_by(self, delta_ns: int) -> None:
        """Add to the clock (timekeeping_inject_offset): EINVAL if it leaves the settable range."""
        target = self._now() + delta_ns
        if target < time.monotonic_ns() or not valid_settod(target // NSEC_PER_SEC, target % NSEC_PER_SEC):
            raise Errno(EINVAL)
        self.offset_ns += delta_ns
        self._stepped()

    def set_zone(self, minuteswest: int, dsttime: int) -> None:
        """settimeofday's struct timezone: kept, and shown by gettimeofday (the vDSO's too)."""
        self.tz = (minuteswest, dsttime)
        if self.on_set is not None:
            self.on_set()

    def _stepped(self) -> None:
        self.steps += 1
        self._second = self._now() // NSEC_PER_SEC
        if self.on_set is not None:
            self.on_set()

    def adjtime(self, offset_us: int | None) -> int:
        """adjtime(): start slewing by `offset_us` (None: only read); the correction still to apply, us."""
        mono = time.monotonic_ns()
        applied = self.slew.applied_us(mono)
        left = self.slew.total_us - applied
        if offset_us is not None:
            self.offset_ns += applied * NSEC_PER_USEC  # what is slewed so far stays
            self.slew = Slew(offset_us, mono)
        return left

    # -- ntp.c --

    def apply_modes(self, modes: int, offset: int, freq: int, maxerror: int, esterror: int, status: int,
                    constant: int, tick: int) -> None:
        """process_adjtimex_modes: what each mode bit sets, clamped as Linux clamps it."""
        ntp = self.ntp
        if modes & ADJ_STATUS:
            self._adj_status(status)
        if modes & ADJ_NANO:
            ntp.status |= STA_NANO
        if modes & ADJ_MICRO:
            ntp.status &= ~STA_NANO
        if modes & ADJ_FREQUENCY:
            ntp.freq = _clamp(freq * PPM_SCALE, -MAXFREQ_SCALED, MAXFREQ_SCALED)
        if modes & ADJ_MAXERROR:
            ntp.maxerror = _clamp(maxerror, 0, NTP_PHASE_LIMIT)
        if modes & ADJ_ESTERROR:
            ntp.esterror = _clamp(esterror, 0, NTP_PHASE_LIMIT)
        if modes & ADJ_TIMECONST:
            ntp.constant = _clamp(constant, 0, MAXTC)
            if not ntp.status & STA_NANO:
                ntp.constant = _clamp(ntp.constant + 4, 0, MAXTC)
        if modes & ADJ_TAI and 0 <= constant <= MAX_TAI_OFFSET:
            ntp.tai = constant
        if modes & ADJ_OFFSET and ntp.status & STA_PLL:
            if not ntp.status & STA_NANO:
                offset = _clamp(offset, -USEC_PER_SEC, USEC_PER_SEC) * NSEC_PER_USEC
            ntp.offset_ns = _clamp(offset, -MAXPHASE, MAXPHASE)
            ntp.reftime = self.realtime_ns() // NSEC_PER_SEC
        if modes & ADJ_TICK:
            ntp.tick = tick

    def _adj_status(self, status: int) -> None:
        """process_adj_status: turning the PLL off resets the state; only the writable bits change."""
        ntp = self.ntp
        if ntp.status & STA_PLL and not status & STA_PLL:
            ntp.state, ntp.status, ntp.next_leap = TIME_OK, STA_UNSYNC, NO_LEAP
        if not ntp.status & STA_PLL and status & STA_PLL:
            ntp.reftime = self.realtime_ns() // NSEC_PER_SEC
        ntp.status = (ntp.status & STA_RONLY) | (status & ~STA_RONLY & 0xFFFFFFFF)

    def offset_out(self) -> int:
        """txc->offset outside adjtime(): time_offset in ns, or us without STA_NANO."""
        ns = self.ntp.offset_ns
        return ns if self.ntp.status & STA_NANO else int(ns / NSEC_PER_USEC)

    def _second_overflow(self, sec: int) -> None:
        """second_overflow, for the seconds since the last look: arm, insert or delete a leap second."""
        ntp = self.ntp
        self._second = sec
        if ntp.state == TIME_OK:
            if ntp.status & (STA_INS | STA_DEL):
                ntp.state = TIME_INS if ntp.status & STA_INS else TIME_DEL
                ntp.next_leap = sec + SECS_PER_DAY - sec % SECS_PER_DAY
        elif ntp.state == TIME_INS:
            if not ntp.status & STA_INS:
                ntp.state, ntp.next_leap = TIME_OK, NO_LEAP
            elif sec >= ntp.next_leap:
                self.offset_ns -= NSEC_PER_SEC  # 23:59:60: the last second of the day again
                self.steps += 1
                ntp.tai += 1
                ntp.state = TIME_OOP
                self._second = sec - 1
                if self.on_set is not None:
                    self.on_set()
        elif ntp.state == TIME_DEL:
            if not ntp.status & STA_DEL:
                ntp.state, ntp.next_leap = TIME_OK, NO_LEAP
            elif sec + 1 >= ntp.next_leap:
                self.offset_ns += NSEC_PER_SEC  # 23:59:59 never comes
                self.steps += 1
                ntp.tai -= 1
                ntp.next_leap, ntp.state = NO_LEAP, TIME_WAIT
                self._second = sec + 1
                if self.on_set is not None:
                    self.on_set()
        elif ntp.state == TIME_OOP:
            if sec >= ntp.next_leap:
                ntp.next_leap, ntp.state = NO_LEAP, TIME_WAIT
        elif ntp.state == TIME_WAIT and not ntp.status & (STA_INS | STA_DEL):
            ntp.state = TIME_OK
