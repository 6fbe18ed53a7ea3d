"""SCHED_DEADLINE (kernel/sched/deadline.c): admission, earliest deadline first, and the constant bandwidth server.

A deadline task asks for `runtime` ns of cpu in every `period`, done
within `deadline` of the period's start. It is admitted only when
runtime <= deadline <= period, runtime is at least 1024 ns (DL_SCALE) and
the period within sched_dl_period_min/max (100 us to 4.19 s); and only if
the deadline tasks' bandwidth together (runtime / period, in 1/2^20ths)
stays within the cpu's cap, sched_rt_runtime / sched_rt_period (95%):
else EBUSY. Ready deadline tasks run before every other, the earliest
absolute deadline first. A task that used up its runtime is throttled,
not run at all, until its next period replenishes it (its timer); one
that wakes after its deadline passed, or with more runtime left than its
bandwidth allows until the deadline, starts a fresh period
(update_dl_entity's CBS rule). A deadline task cannot fork (EAGAIN)
unless it is reset on fork.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel import cputime
from syscalltbl.machine.uapi.schedpolicy import SCHED_DEADLINE
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.ktimers import Timer
    from syscalltbl.machine.kernel.process import Task

DL_SCALE: Final = 10  # the least runtime is 1 << DL_SCALE ns
BW_SHIFT: Final = 20
PERIOD_MIN_NS: Final = 100 * 1000  # sysctl_sched_dl_period_min: 100 us
PERIOD_MAX_NS: Final = (1 << 22) * 1000  # sysctl_sched_dl_period_max: 2^22 us
#: def_dl_bandwidth: sched_rt_runtime_us / sched_rt_period_us (950000 / 1000000) of the one cpu.
CAP_BW: Final = (950_000 << BW_SHIFT) // 1_000_000


class DlEntity(Value):
    """A deadline task's parameters (ns) and its server's state: the absolute deadline (host monotonic ns),
    the cpu time (the task's own clock, ns) at which its runtime runs out, and whether it is throttled."""

    runtime: int
    deadline: int
    period: int
    flags: int
    abs_deadline: int
    exhausted_at: int
    throttled: bool
    timer: Timer | None

    __slots__ = ("abs_deadline", "deadline", "exhausted_at", "flags", "period", "runtime", "throttled", "timer")
    _fields = ("runtime", "deadline", "period", "flags", "abs_deadline", "exhausted_at", "throttled")
    _compared = ("runtime", "deadline", "period", "flags", "abs_deadline", "exhausted_at", "throttled", "timer")

    def __init__(
        self,
        runtime: int,
        deadline: int,
        period: int,
        flags: int = 0,
        abs_deadline: int = 0,
        exhausted_at: int = 0,
        throttled: bool = False,
        timer: Timer | None = None,
    ) -> None:
        self.runtime = runtime
        self.deadline = deadline
        self.period = period
        self.flags = flags
        self.abs_deadline = abs_deadline
        self.exhausted_at = exhausted_at
        self.throttled = throttled
        self.timer = timer

    @property
    def bw(self) -> int:
        return to_ratio(self.period, self.runtime)


_entities: weakref.WeakKeyDictionary[Task, DlEntity] = weakref.WeakKeyDictionary()


def to_ratio(period: int, runtime: int) -> int:
    return (runtime << BW_SHIFT) // period if period else 0


def entity(task: Task) -> DlEntity | None:
    """The task's deadline parameters while its policy is SCHED_DEADLINE."""
    return _entities.get(task) if task.policy == SCHED_DEADLINE else None


def valid_params(runtime: int, deadline: int, period: int) -> bool:
    """__checkparam_dl."""
    if deadline == 0 or runtime < 1 << DL_SCALE:
        return False
    if deadline >> 63 or period >> 63:
        return False
    period = period or deadline
    if period < deadline or deadline < runtime:
        return False
    return PERIOD_MIN_NS <= period <= PERIOD_MAX_NS


def admits(task: Task, runtime: int, period: int) -> bool:
    """sched_dl_overflow: the new bandwidth fits the cap beside every other deadline task's."""
    new_bw = to_ratio(period, runtime)
    current = entity(task)
    if current is not None and current.bw == new_bw:
        return True
    total = sum(e.bw for t, e in list(_entities.items()) if t is not task and t.status is None
                and t.policy == SCHED_DEADLINE)
    return total + new_bw <= CAP_BW


def set_params(task: Task, runtime: int, deadline: int, period: int, flags: int) -> None:
    """__setparam_dl and setup_new_dl_entity: a fresh period starts now."""
    old = _entities.get(task)
    if old is not None and old.timer is not None:
        old.timer.disarm()
    made = DlEntity(runtime, deadline, period or deadline, flags)
    _entities[task] = made
    _start_period(task, made)


def _now() -> int:
    return time.monotonic_ns()


def _cpu(task: Task) -> int:
    return cputime.runtime(task)


def _start_period(task: Task, e: DlEntity) -> None:
    e.abs_deadline = _now() + e.deadline
    e.exhausted_at = _cpu(task) + e.runtime
    e.throttled = False


def runnable_first(ready: Sequence[Task]) -> Task | None:
    """Of the ready tasks, the deadline one to run (earliest absolute deadline), if any is not throttled."""
    best: tuple[int, Task] | None = None
    for t in ready:
        e = entity(t)
        if e is not None and not e.throttled and (best is None or e.abs_deadline < best[0]):
            best = (e.abs_deadline, t)
    return best[1] if best is not None else None


def throttled(task: Task) -> bool:
    e = entity(task)
    return e is not None and e.throttled


def picked(task: Task) -> None:
    """The task is about to run: a deadline one that waited past its deadline, or whose runtime left would
    exceed its bandwidth until the deadline, starts a fresh period (update_dl_entity)."""
    e = entity(task)
    if e is None or e.throttled:
        return
    now = _now()
    left = e.exhausted_at - _cpu(task)
    if now >= e.abs_deadline or left * e.period > (e.abs_deadline - now) * e.runtime:
        _start_period(task, e)


def budget(task: Task) -> float | None:
    """Seconds of cpu the running deadline task has before its runtime runs out (the tick comes then)."""
    e = entity(task)
    if e is None:
        return None
    return max(e.exhausted_at - _cpu(task), 0) / 1e9


def account(task: Task, make_timer: Callable[[Callable[[int], None]], Timer]) -> None:
    """The tick came for `task`: a deadline task out of runtime is throttled until its next period,
    whose start a wall timer waits for (start_dl_timer); `make_timer` makes that timer, given what it does."""
    e = entity(task)
    if e is None or e.throttled or _cpu(task) < e.exhausted_at:
        return
    e.throttled = True
    if e.timer is None:
        e.timer = make_timer(lambda _count: _replenish(task))
    e.timer.arm(max(e.abs_deadline - e.deadline + e.period, _now() + 1), 0, absolute=True)


def _replenish(task: Task) -> None:
    """replenish_dl_entity: runtime for the periods missed, or a fresh period if the deadline passed."""
    e = _entities.get(task)
    if e is None or not e.throttled:
        return
    overrun = _cpu(task) - e.exhausted_at
    while overrun >= 0:
        e.abs_deadline += e.period
        e.exhausted_at += e.runtime
        overrun -= e.runtime
    if e.abs_deadline <= _now():
        _start_period(task, e)
    e.throttled = False


def forget(task: Task) -> None:
    """The task left SCHED_DEADLINE (or ended): its bandwidth is free, its timer gone."""
    e = _entities.pop(task, None)
    if e is not None and e.timer is not None:
        e.timer.disarm()
