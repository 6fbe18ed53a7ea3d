"""CPU-time accounting: each task's user and system time, its process's, and its reaped children's.

A task's run time is the time it holds the emulated cpu, from when the
scheduler switches to it until it switches out (the precise total, as
Linux's sum_exec_runtime is). Its system time is the time its system calls
spend in the dispatch, measured by the trap's hook in machine code
(image/traphook.py) into the machine's SyscallClock and charged to the task
when it is switched out; the rest of the run time is its user time. Both
are read on one clock, the host's monotonic one (a vDSO call, cheap enough
for every system call; the thread's own cpu clock is a real system call
here, microseconds each): so a host busy with other work
makes the guest's times longer, as it makes its wall clock run ahead of
its work, but never splits them wrongly. Like Linux's cputime_adjust, the
split never lets system time exceed the total.

A process's times are its live threads' plus those of the threads that
ended (signal_struct's utime/stime); a reaped child's process times, with
its own reaped children's, go to the reaping process's children totals
(wait_task_zombie), which RUSAGE_CHILDREN and times() report.
"""

from __future__ import annotations

import ctypes
import time
from typing import TYPE_CHECKING

from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task, ThreadGroup


class TaskTimes(Value):
    """One thread's counters (task_struct's se.sum_exec_runtime, stime, nvcsw, nivcsw, min_flt)."""

    runtime: int  # ns this task held the cpu
    stime: int  # ns of that spent in system calls, up to its last switch out (SyscallClock has the rest)
    mark: int | None  # the clock when the task was switched in; None while switched out
    nvcsw: int  # it gave the cpu up: slept in a call
    nivcsw: int  # the tick took the cpu from it
    minflt: int  # page faults this machine served for it

    __slots__ = _fields = ("runtime", "stime", "mark", "nvcsw", "nivcsw", "minflt")

    def __init__(
        self,
        runtime: int = 0,
        stime: int = 0,
        mark: int | None = None,
        nvcsw: int = 0,
        nivcsw: int = 0,
        minflt: int = 0,
    ) -> None:
        self.runtime = runtime
        self.stime = stime
        self.mark = mark
        self.nvcsw = nvcsw
        self.nivcsw = nivcsw
        self.minflt = minflt


class SyscallClock(ctypes.Structure):
    """The system time the trap's hook measures (image/traphook.py), not yet charged to the running task.

    Shared with the hook's assembly: same order, 64-bit words. Only one task
    runs between a switch in and its switch out, so what `stime` gathers
    meanwhile is that task's.
    """

    _fields_ = [("call", ctypes.c_int64), ("stime", ctypes.c_int64)]  # fmt: skip
    call: int  # the clock when the system call in progress began; 0 outside a call
    stime: int  # ns of system calls since the running task was switched in


class Usage(Value):
    """What getrusage reports of one or more tasks: times in ns, the rest as counts (maxrss in KiB)."""

    utime: int
    stime: int
    maxrss: int
    minflt: int
    nvcsw: int
    nivcsw: int

    __slots__ = _fields = ("utime", "stime", "maxrss", "minflt", "nvcsw", "nivcsw")

    def __init__(
        self,
        utime: int = 0,
        stime: int = 0,
        maxrss: int = 0,
        minflt: int = 0,
        nvcsw: int = 0,
        nivcsw: int = 0,
    ) -> None:
        self.utime = utime
        self.stime = stime
        self.maxrss = maxrss
        self.minflt = minflt
        self.nvcsw = nvcsw
        self.nivcsw = nivcsw

    def add(self, other: Usage) -> None:
        self.utime += other.utime
        self.stime += other.stime
        self.maxrss = max(self.maxrss, other.maxrss)
        self.minflt += other.minflt
        self.nvcsw += other.nvcsw
        self.nivcsw += other.nivcsw


class GroupTimes(Value):
    """A process's totals (signal_struct's): its ended threads' usage and its reaped children's."""

    dead: Usage
    children: Usage
    maxrss: int  # KiB: the largest resident size seen at its threads' ends

    __slots__ = _fields = ("dead", "children", "maxrss")

    def __init__(self, dead: Usage, children: Usage, maxrss: int = 0) -> None:
        self.dead = dead
        self.children = children
        self.maxrss = maxrss

    @classmethod
    def new(cls) -> GroupTimes:
        return cls(Usage(), Usage())


def run_clock() -> int:
    """The clock run times are read on, ns: CLOCK_MONOTONIC, which the trap's hook measures system time on."""
    return time.monotonic_ns()


def switched_in(task: Task) -> None:
    task.times.mark = run_clock()
    task.machine.syscall_clock.stime = 0  # left by a task that ran without being switched out (killed)


def switched_out(task: Task) -> None:
    """Charge the task the cpu time since it was switched in, and the system time of its calls meanwhile."""
    times = task.times
    if times.mark is not None:
        times.runtime += run_clock() - times.mark
        times.mark = None
        clock = task.machine.syscall_clock
        times.stime += clock.stime
        clock.stime = 0


def runtime(task: Task, now: int | None = None) -> int:
    """The task's total cpu time up to `now` (default: the clock now), ns: a running task's slice included."""
    times = task.times
    if times.mark is None:
        return times.runtime
    if now is None:
        now = run_clock()
    times.runtime += now - times.mark  # charged now, so a long slice does not read the clock from its start
    times.mark = now
    return times.runtime


def task_usage(task: Task) -> Usage:
    # One reading for both: were the call's system time read later than the total, the time in between
    # (a thread switch of the host's, milliseconds) would come off user time, which would run backwards.
    now = run_clock()
    total = runtime(task, now)
    t = task.times
    stime = t.stime
    if t.mark is not None:  # running: its calls since it was switched in
        clock = task.machine.syscall_clock
        # A call in progress is system time already: else its time would count as user time until the call
        # returns and then move to system time, and user time (ITIMER_VIRTUAL's clock) would run backwards.
        stime += clock.stime + (now - clock.call if clock.call else 0)
    stime = min(stime, total)
    return Usage(total - stime, stime, 0, t.minflt, t.nvcsw, t.nivcsw)


def group_usage(group: ThreadGroup) -> Usage:
    """The process's own usage: every thread, live or ended."""
    usage = Usage()
    usage.add(group.times.dead)
    for thread in group.threads:
        usage.add(task_usage(thread))
    usage.maxrss = group.times.maxrss
    return usage


def thread_ended(task: Task, rss_kib: int) -> None:
    """A thread exits: its usage stays with the process; `rss_kib` the memory it left resident."""
    group = task.group.times
    group.dead.add(task_usage(task))
    group.maxrss = max(group.maxrss, rss_kib)


def reaped(parent: ThreadGroup, child: ThreadGroup) -> None:
    """A waited-for zombie's usage, and its children's, go to the parent's children totals."""
    usage = group_usage(child)
    usage.add(child.times.children)
    parent.times.children.add(usage)
