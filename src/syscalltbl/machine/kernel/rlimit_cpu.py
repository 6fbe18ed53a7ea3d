"""RLIMIT_CPU (kernel/time/posix-cpu-timers.c: check_process_timers, update_rlimit_cpu,
posix_cpu_timers_init_group).

A process whose user and system time together (CPUCLOCK_PROF) reach the
soft limit gets SIGXCPU, and the soft limit moves on a second so that the
next one comes a second later; at the hard limit it gets SIGKILL. The check
is a cpu timer on the process's clock, as Linux's is the PROF expiry cache,
so the scheduler's tick comes when the limit is reached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.ktimers import CPUCLOCK_PROF, CpuClock, Timer
from syscalltbl.machine.uapi.resource import RLIM_INFINITY, RLIMIT_CPU
from syscalltbl.machine.uapi.signal import SI_KERNEL, SIGKILL, SIGXCPU
from syscalltbl.machine.uapi.time import NSEC_PER_SEC

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task, ThreadGroup

#: Where the process's RLIMIT_CPU timer is kept among its interval timers (no ITIMER_* is negative).
RLIMIT_CPU_TIMER: Final = -1


def update_rlimit_cpu(task: Task) -> None:
    """The process's limit was set (do_prlimit) or inherited (fork): the check is due at its soft limit."""
    group = task.group
    soft, hard = _limit(group)
    timer = group.timers.itimers.get(RLIMIT_CPU_TIMER)
    if soft == RLIM_INFINITY and hard == RLIM_INFINITY:
        if timer is not None:
            timer.disarm()
        return
    if timer is None:
        clock = CpuClock(CPUCLOCK_PROF, group)
        timer = group.timers.itimers[RLIMIT_CPU_TIMER] = Timer(task.machine.timers, clock,
                                                                lambda _count: _check(group))
    _arm(timer, soft, hard)


def _limit(group: ThreadGroup) -> tuple[int, int]:
    return group.rlimits[RLIMIT_CPU] if group.rlimits is not None else (RLIM_INFINITY, RLIM_INFINITY)


def _arm(timer: Timer, soft: int, hard: int) -> None:
    expiry = min(limit * NSEC_PER_SEC for limit in (soft, hard) if limit != RLIM_INFINITY)
    timer.arm(max(expiry, 1), 0, absolute=True)


def _check(group: ThreadGroup) -> None:
    """check_process_timers' RLIMIT_CPU part, when the process's time reached its next limit."""
    timer = group.timers.itimers.get(RLIMIT_CPU_TIMER)
    live = [t for t in group.threads if t.status is None]
    if timer is None or not live or group.rlimits is None:
        return
    target = group.leader if group.leader.status is None else live[0]
    ptime = timer.now()
    soft, hard = group.rlimits[RLIMIT_CPU]
    if hard != RLIM_INFINITY and ptime >= hard * NSEC_PER_SEC:
        signals.send(target, SIGKILL, signals.siginfo(SIGKILL, SI_KERNEL))  # no further action
        return
    if soft != RLIM_INFINITY and ptime >= soft * NSEC_PER_SEC:
        signals.send(target, SIGXCPU, signals.siginfo(SIGXCPU, SI_KERNEL))
        soft += 1  # the next SIGXCPU a second later: the limit getrlimit shows moves with it
        group.rlimits[RLIMIT_CPU] = (soft, hard)
    _arm(timer, soft, hard)
