"""Scheduling policies (kernel/sched/rt.c's order over fair.c's): which ready task runs next.

A SCHED_FIFO or SCHED_RR task runs before every SCHED_OTHER, BATCH or IDLE
one, the highest rt_priority first; among equals RR takes turns with the
round-robin order the scheduler already keeps, and FIFO keeps the cpu for the
task that had it until it sleeps or yields. The others share the cpu in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from syscalltbl.machine.uapi.schedpolicy import SCHED_FIFO, SCHED_RR

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

RT_POLICIES = frozenset({SCHED_FIFO, SCHED_RR})


def rt_rank(task: Task) -> int:
    """0 for a task of a fair policy, its rt_priority (1-99) for a real-time one."""
    return task.rt_priority if task.policy in RT_POLICIES else 0


def highest_first(ready: Sequence[Task], last: int) -> Task:
    """Of `ready` (non-empty, in round-robin order), the one to run; `last` is the tid that ran last."""
    top = max(rt_rank(t) for t in ready)
    if top == 0:
        return ready[0]
    for t in ready:
        if t.tid == last and t.policy == SCHED_FIFO and rt_rank(t) == top:
            return t  # FIFO: not taken from it by a task of its own priority
    return next(t for t in ready if rt_rank(t) == top)
