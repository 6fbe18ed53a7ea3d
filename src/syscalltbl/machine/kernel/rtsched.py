"""Scheduling policies (kernel/sched/rt.c's order over fair.c's): which ready task runs next.

A ready SCHED_DEADLINE task runs before all others (kernel/dlsched.py). A
SCHED_FIFO or SCHED_RR task runs before every SCHED_OTHER, BATCH or IDLE one,
the highest rt_priority first; among equals RR takes turns with the
round-robin order the scheduler already keeps, and FIFO keeps the cpu for the
task that had it until it sleeps or yields. The others share the cpu in turn,
each for a slice as long as its nice value's weight (CFS's sched_prio_to_weight,
1024 at nice 0) makes it, so a lower nice value gets more of the cpu. The
share is kept between a quarter and four times the slice: a switch costs the
emulator a fraction of a millisecond, and a task of nice -20 must not hold
the cpu for seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import dlsched
from syscalltbl.machine.uapi.schedpolicy import SCHED_FIFO, SCHED_RR

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

RT_POLICIES = frozenset({SCHED_FIFO, SCHED_RR})
#: kernel/sched/core.c sched_prio_to_weight: nice -20 .. 19.
NICE_WEIGHTS = (
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
    9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
    1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
    110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
)  # fmt: skip
NICE_0_WEIGHT = 1024
MIN_SHARE, MAX_SHARE = 0.25, 4.0


def slice_share(task: Task) -> float:
    """How many base slices `task` runs for at a time: its nice weight over nice 0's, bounded."""
    weight = NICE_WEIGHTS[max(-20, min(19, task.nice)) + 20]
    return max(MIN_SHARE, min(MAX_SHARE, weight / NICE_0_WEIGHT))


def rt_rank(task: Task) -> int:
    """0 for a task of a fair policy, its rt_priority (1-99) for a real-time one."""
    return task.rt_priority if task.policy in RT_POLICIES else 0


def highest_first(ready: Sequence[Task], last: int) -> Task | None:
    """Of `ready` (non-empty, in round-robin order), the one to run; `last` is the tid that ran last. A deadline
    task not throttled goes first (kernel/dlsched.py); None when the only ready ones are throttled."""
    first = dlsched.runnable_first(ready)
    if first is not None:
        return first
    ready = [t for t in ready if not dlsched.throttled(t)]
    if not ready:
        return None
    top = max(rt_rank(t) for t in ready)
    if top == 0:
        return ready[0]
    for t in ready:
        if t.tid == last and t.policy == SCHED_FIFO and rt_rank(t) == top:
            return t  # FIFO: not taken from it by a task of its own priority
    return next(t for t in ready if rt_rank(t) == top)
