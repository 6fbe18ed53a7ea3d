"""Timers that send signals: the interval timers (alarm, setitimer) and POSIX timers (timer_create).

A timer runs on a clock: a wall clock (CLOCK_REALTIME, MONOTONIC, BOOTTIME:
ITIMER_REAL and most POSIX timers) or a cpu clock (the process's user time
for ITIMER_VIRTUAL, its user and system time for ITIMER_PROF and
CLOCK_PROCESS_CPUTIME_ID, one thread's for CLOCK_THREAD_CPUTIME_ID,
kernel/cputime.py). The machine's TimerQueue holds the armed ones; the
scheduler fires them: a wall timer when the tick it armed for its expiry
comes or when every task sleeps until then, a cpu timer when the tick that
ends the running task's cpu budget comes (kernel/sched.py). What a timer
does when it expires is its `fire`: send its signal, count an overrun.

A timer fired late by whole intervals counts the missed ones, as Linux's
hrtimer_forward does, and an interval timer stays armed.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import cputime
from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.procfs import boottime_ns
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.signal import SIGALRM
from syscalltbl.machine.uapi.time import (
    CLOCK_BOOTTIME,
    CLOCK_MONOTONIC,
    CLOCK_PROCESS_CPUTIME_ID,
    CLOCK_REALTIME,
    CLOCK_THREAD_CPUTIME_ID,
    NSEC_PER_SEC,
)
from syscalltbl.machine.uapi.timers import ITIMER_REAL, SI_TIMER

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task, ThreadGroup

DELAYTIMER_MAX = 0x7FFFFFFF  # what an overrun count is capped at
KTIME_MAX = (1 << 63) - 1  # ns: where a time given to a timer saturates
_INT = struct.Struct("<i")
#: The least time between two firings of one timer, seconds (and the least cpu budget the tick is armed for).
MIN_GAP = 0.001
#: The wall clocks a timer may run on, ns.
WALL_CLOCKS: dict[int, Callable[[], int]] = {
    CLOCK_REALTIME: time.time_ns,
    CLOCK_MONOTONIC: time.monotonic_ns,
    CLOCK_BOOTTIME: boottime_ns,
}

# The cpu clocks' kinds (CPUCLOCK_WHICH) and how a clockid encodes them (include/linux/posix-timers.h).
CPUCLOCK_PROF, CPUCLOCK_VIRT, CPUCLOCK_SCHED = 0, 1, 2
CPUCLOCK_PERTHREAD_MASK = 4
CPUCLOCK_CLOCK_MASK = 3


class CpuClock:
    """A cpu clock: one kind of time of a process (`group`) or of one thread (`thread`)."""

    __slots__ = ("group", "kind", "thread")

    def __init__(self, kind: int, group: ThreadGroup, thread: Task | None = None) -> None:
        self.kind, self.group, self.thread = kind, group, thread

    def read(self) -> int:
        usage = cputime.task_usage(self.thread) if self.thread is not None else cputime.group_usage(self.group)
        return usage.utime if self.kind == CPUCLOCK_VIRT else usage.utime + usage.stime

    def runs_on(self, task: Task) -> bool:
        """Does running `task` advance this clock?"""
        return task is self.thread if self.thread is not None else task.group is self.group


def cpu_clock(t: Task, clockid: int) -> CpuClock:
    """The cpu clock a clockid names (pid_for_clock): the caller's process or thread, or one encoded in a
    negative clockid (~pid << 3 | per-thread << 2 | kind); EINVAL for what names none."""
    if clockid == CLOCK_PROCESS_CPUTIME_ID:
        return CpuClock(CPUCLOCK_SCHED, t.group)
    if clockid == CLOCK_THREAD_CPUTIME_ID:
        return CpuClock(CPUCLOCK_SCHED, t.group, t)
    if clockid >= 0:
        raise Errno(EINVAL)
    kind, thread, pid = clockid & CPUCLOCK_CLOCK_MASK, bool(clockid & CPUCLOCK_PERTHREAD_MASK), ~(clockid >> 3)
    if kind > CPUCLOCK_SCHED:
        raise Errno(EINVAL)
    if pid == 0:
        return CpuClock(kind, t.group, t if thread else None)
    found = find_task_vpid(t, pid)
    if found is None or found.status is not None:
        raise Errno(EINVAL)
    if thread:
        if found.group is not t.group:
            raise Errno(EINVAL)
        return CpuClock(kind, found.group, found)
    if found.tid != found.pid and found is not t:
        raise Errno(EINVAL)  # a process is named by its pid (or, for the caller, its own tid)
    return CpuClock(kind, found.group)


class Timer:
    """One armed or disarmed timer: an expiry on its clock (ns), an interval, and what its expiry does.

    A timer that signals (`rearm_on_delivery`: ITIMER_REAL, a POSIX timer's
    signal) fires once and waits: the next expiry is armed when its signal is
    delivered, the expiries missed meanwhile counted then (Linux's rearm at
    dequeue_signal). So a short interval cannot flood the machine, and an
    overrun is what it is on Linux. The others (the cpu itimers) rearm at
    once, counting what a late check missed.
    """

    __slots__ = ("clock", "expiry", "fire", "fired_at", "interval", "queue", "rearm_on_delivery", "silent",
                 "waiting")  # fmt: skip

    def __init__(
        self,
        queue: TimerQueue,
        clock: Callable[[], int] | CpuClock,
        fire: Callable[[int], None],
        *,
        silent: bool = False,
        rearm_on_delivery: bool = False,
    ) -> None:
        self.queue = queue
        self.clock = clock
        self.fire = fire  # called with the number of expirations since the last (1 or more)
        #: Nothing to do at expiry (SIGEV_NONE): never queued, its expiry only read (and moved on) when asked.
        self.silent = silent
        self.rearm_on_delivery = rearm_on_delivery
        self.waiting = False  # fired, its signal not delivered yet: the expiry stays the one that fired
        self.expiry: int | None = None
        self.interval = 0
        self.fired_at = float("-inf")  # time.monotonic() of its last firing

    def now(self) -> int:
        return self.clock.read() if isinstance(self.clock, CpuClock) else self.clock()

    def remaining(self) -> tuple[int, int]:
        """(interval, time to the next expiry) in ns; (interval, 0) when disarmed."""
        if self.silent:
            self.due()  # moves a silent interval timer's expiry on, or ends a one-shot's
        if self.expiry is None:
            return self.interval, 0
        left = self.expiry - self.now()
        if left <= 0 and self.waiting and self.interval:
            left = self.interval - (-left) % self.interval  # to the next expiry, the missed ones counted later
        return self.interval, max(left, 1)  # an expired, unfired timer shows 1 ns, as Linux

    def arm(self, value: int, interval: int, *, absolute: bool = False) -> None:
        """Expire at `value` (ns from now, or on the clock with `absolute`), then every `interval`; 0 disarms."""
        self.interval = interval if value else 0  # a disarmed timer keeps no interval (common_timer_set)
        self.waiting = False
        if not value:
            self.disarm()
            return
        self.expiry = value if absolute else self.now() + value
        if not self.silent:
            self.queue.add(self)

    def disarm(self) -> None:
        self.expiry = None
        self.waiting = False
        self.queue.armed.discard(self)

    def due(self) -> int:
        """How many expirations are due now (0: none), moving the expiry past them (or disarming)."""
        if self.expiry is None:
            return 0
        now = self.now()
        if now < self.expiry:
            return 0
        if not self.interval:
            self.disarm()
            return 1
        count = (now - self.expiry) // self.interval + 1
        self.expiry += count * self.interval
        return count

    def delivered(self) -> int:
        """Its signal was delivered: arm the next expiry; the expiries since the one that fired, itself
        included (hrtimer_forward's count)."""
        if not self.waiting:
            return 0
        self.waiting = False
        count = self.due() if self.expiry is not None else 0
        if self.expiry is not None:
            self.queue.add(self)
        return count

    def wall_deadline(self) -> float | None:
        """When the scheduler must look at a wall timer, as a time.monotonic() value."""
        if self.expiry is None or self.waiting or isinstance(self.clock, CpuClock):
            return None
        return time.monotonic() + max(self.expiry - self.clock(), 0) / NSEC_PER_SEC


class TimerQueue:
    """The machine's armed timers (what hrtimer bases and the cpu-timer lists hold on Linux)."""

    def __init__(self) -> None:
        self.armed: set[Timer] = set()
        self.posix_total = 0  # timer_create timers of every process, bounded (syscalls/posix_timers.py)
        self.on_armed: Callable[[Timer], None] | None = None  # the scheduler's: arm the tick sooner

    def add(self, timer: Timer) -> None:
        self.armed.add(timer)
        if self.on_armed is not None:
            self.on_armed(timer)

    def next_wall(self) -> float | None:
        """The earliest wall timer's expiry, as a time.monotonic() value."""
        times = [w for timer in self.armed if (w := timer.wall_deadline()) is not None]
        return min(times) if times else None

    def cpu_budget(self, task: Task) -> float | None:
        """Seconds of cpu time `task` may run before one of the cpu timers it advances can expire."""
        left = [
            timer.expiry - timer.clock.read()
            for timer in self.armed
            if isinstance(timer.clock, CpuClock) and timer.expiry is not None and timer.clock.runs_on(task)
        ]
        return max(min(left) / NSEC_PER_SEC, MIN_GAP) if left else None

    def _run(self, timers: list[Timer]) -> None:
        for timer in timers:
            if timer.rearm_on_delivery:
                if timer.expiry is not None and timer.now() >= timer.expiry:
                    self.armed.discard(timer)  # until its signal is delivered
                    timer.waiting = True
                    timer.fire(1)
            elif timer.fired_at + MIN_GAP <= time.monotonic() and (count := timer.due()):
                timer.fired_at = time.monotonic()
                timer.fire(count)

    def run_wall(self) -> None:
        """Fire the wall timers that are due."""
        self._run([x for x in self.armed if not isinstance(x.clock, CpuClock)])

    def run_cpu(self, task: Task) -> None:
        """Fire the cpu timers that running `task` advances and that are due."""
        self._run([x for x in self.armed if isinstance(x.clock, CpuClock) and x.clock.runs_on(task)])

    def run_due(self, task: Task | None) -> None:
        self.run_wall()
        if task is not None and task.status is None:
            self.run_cpu(task)


class PosixTimer:
    """A timer_create timer: its Timer, how it notifies, and the overruns of its last signal."""

    __slots__ = ("clockid", "overrun", "signo", "target", "timer", "value")

    def __init__(self, timer: Timer, signo: int, value: int, target: Task | None, clockid: int = -1) -> None:
        self.timer = timer
        self.clockid = clockid  # a wall clock's id (an absolute time on it is moved out of a time namespace)
        self.signo = signo  # 0: SIGEV_NONE
        self.value = value  # sigev_value, given back in si_value
        self.target = target  # SIGEV_THREAD_ID's thread; None: the process
        self.overrun = 0


class ProcessTimers:
    """A process's timers (signal_struct's real_timer, it[], posix_timers): bounded by its RLIMIT_SIGPENDING."""

    __slots__ = ("itimers", "last_id", "posix")

    def __init__(self) -> None:
        self.itimers: dict[int, Timer] = {}
        self.posix: dict[int, PosixTimer] = {}
        self.last_id = -1

    def delivered(self, sig: int, info: bytes) -> bytes | None:
        """A signal is being delivered (dequeue_signal): a timer that waited for it is armed again, and a
        timer's siginfo gets its overrun; None when the timer was deleted or set anew since (dropped)."""
        if len(info) < 24:
            return info  # no siginfo kept (a kernel signal's default)
        code, timer_id = _INT.unpack_from(info, 8)[0], _INT.unpack_from(info, 16)[0]
        if code == SI_TIMER:
            posix = self.posix.get(timer_id)
            if posix is None or not posix.timer.waiting:
                return None
            posix.overrun = min(max(posix.timer.delivered() - 1, 0), DELAYTIMER_MAX)
            return info[:20] + _INT.pack(posix.overrun) + info[24:]
        real = self.itimers.get(ITIMER_REAL)
        if sig == SIGALRM and real is not None:
            real.delivered()
        return info

    def delete_posix(self) -> None:
        """exec and exit (exit_itimers): every timer_create timer goes."""
        for posix in self.posix.values():
            posix.timer.disarm()
            posix.timer.queue.posix_total -= 1
        self.posix.clear()

    def delete_all(self) -> None:
        """The process ended: nothing of it fires any more."""
        self.delete_posix()
        for timer in self.itimers.values():
            timer.disarm()
        self.itimers.clear()
