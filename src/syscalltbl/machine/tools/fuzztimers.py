"""The fuzzer's well-formed timer, resource-usage and waitid calls (issue 16).

Random words rarely make a valid itimerval, itimerspec or sigevent, so about
half of these calls are shaped: short intervals (up to 20 ms) so timers
really fire while the fuzzer runs, clocks the machine has, sigevents that
notify by nothing, by a signal whose default is to ignore it, by one that
kills (SIGALRM), or to the fuzzing thread itself; timer ids it may hold;
waitid with WNOHANG or not (a wait nothing ends is interrupted like any
other). A signal a timer sends may end the fuzzing process, as on Linux:
the fuzzer counts such deaths (`timer_signals`) and goes on. So may the
RLIMIT_CPU check (kernel/rlimit_cpu.py, a cpu timer of the process): a
setrlimit or prlimit64 of its own that lowered the limit below the time it
has used brings SIGXCPU at the soft limit and SIGKILL at the hard one.
"""

from __future__ import annotations

import random
import struct

from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.rlimit_cpu import RLIMIT_CPU_TIMER
from syscalltbl.machine.uapi.resource import RLIM_INFINITY, RLIMIT_CPU
from syscalltbl.machine.uapi.signal import (
    NSIG,
    SIGALRM,
    SIGCHLD,
    SIGKILL,
    SIGPROF,
    SIGURG,
    SIGVTALRM,
    SIGWINCH,
    SIGXCPU,
)
from syscalltbl.machine.uapi.timers import (
    ITIMER_PROF,
    ITIMER_REAL,
    ITIMER_VIRTUAL,
    P_ALL,
    P_PGID,
    P_PID,
    RUSAGE_CHILDREN,
    RUSAGE_SELF,
    RUSAGE_THREAD,
    SIGEV_NONE,
    SIGEV_SIGNAL,
    SIGEV_THREAD_ID,
    WEXITED,
    WNOWAIT,
)
from syscalltbl.machine.uapi.wait import WNOHANG

#: Where in the scratch area's second page (fuzzshapes.Layout.words' page) the shaped timer calls keep their data.
ITIMERVAL_AT, OLD_AT, SIGEVENT_AT, TIMER_ID_AT, RESULT_AT = 0x600, 0x640, 0x680, 0x6C0, 0x700
TIMER_SHAPED = frozenset({"alarm", "setitimer", "getitimer", "timer_create", "timer_settime", "timer_gettime",
                          "timer_getoverrun", "timer_delete", "getrusage", "times", "waitid"})  # fmt: skip
_Q4 = struct.Struct("<qqqq")
_SIGEVENT = struct.Struct("<Qiii44x")
PAGE = 4096


class TimerShapes:
    """Arguments of the shaped timer calls, for one fuzzing process whose scratch area starts at `scratch`."""

    def __init__(self, rng: random.Random, scratch: int) -> None:
        self.rng = rng
        self.base = scratch + PAGE

    def _times(self, mm: Mm, at: int, unit: int) -> int:
        """An itimerval (unit 1000: us) or itimerspec (unit 1: ns) of up to 20 ms each, at `at`."""
        rng = self.rng
        interval = rng.choice((0, 0, rng.randrange(1, 20_000)))
        value = rng.choice((0, rng.randrange(1, 20_000), rng.randrange(1, 20_000)))
        scale = 1 if unit == 1000 else 1000  # microseconds, or those as nanoseconds
        mm.poke(self.base + at, _Q4.pack(0, interval * scale, 0, value * scale))
        return self.base + at

    def _timer_id(self) -> int:
        return self.rng.choice((0, 1, 2, 3, self.rng.getrandbits(31)))

    def shaped(self, name: str, mm: Mm, task: Task) -> list[int] | None:
        """The six argument words of a shaped `name` call; None for a call not shaped here."""
        args = self._arguments(name, mm, task)
        return None if args is None else [*args, *[0] * (6 - len(args))]

    def _arguments(self, name: str, mm: Mm, task: Task) -> list[int] | None:
        rng, base = self.rng, self.base
        old = rng.choice((0, base + OLD_AT))
        if name == "alarm":
            return [rng.choice((0, 0, 1))]
        if name == "setitimer":
            return [rng.choice((ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF, rng.getrandbits(32))),
                    self._times(mm, ITIMERVAL_AT, 1000), old]  # fmt: skip
        if name == "getitimer":
            return [rng.randrange(4), base + OLD_AT]
        if name == "timer_create":
            notify = rng.choice((SIGEV_NONE, SIGEV_SIGNAL, SIGEV_SIGNAL, SIGEV_THREAD_ID, rng.randrange(8)))
            signo = rng.choice((SIGURG, SIGWINCH, SIGCHLD, SIGALRM, rng.randrange(NSIG + 2)))
            mm.poke(base + SIGEVENT_AT, _SIGEVENT.pack(rng.getrandbits(32), signo, notify, task.tid))
            event = rng.choice((base + SIGEVENT_AT, base + SIGEVENT_AT, 0))
            return [rng.choice((0, 1, 2, 3, 7, 4, rng.getrandbits(32))), event, base + TIMER_ID_AT]
        if name == "timer_settime":
            return [self._timer_id(), rng.choice((0, 0, 1)), self._times(mm, ITIMERVAL_AT, 1), old]
        if name == "timer_gettime":
            return [self._timer_id(), base + OLD_AT]
        if name in ("timer_getoverrun", "timer_delete"):
            return [self._timer_id()]
        if name == "getrusage":
            return [rng.choice((RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD, -2, 5)) & (1 << 64) - 1, base + RESULT_AT]
        if name == "times":
            return [rng.choice((0, base + RESULT_AT))]
        if name == "waitid":
            which = rng.choice((P_ALL, P_PID, P_PGID, 3, 9))
            options = WEXITED | rng.choice((WNOHANG, WNOHANG, 0, WNOWAIT | WNOHANG))
            return [which, rng.choice((0, task.pid + 1, -1 & (1 << 64) - 1)), base + RESULT_AT, options,
                    rng.choice((0, base + RESULT_AT + 0x80))]  # fmt: skip
        return None


ITIMER_SIGNALS = frozenset({SIGALRM, SIGVTALRM, SIGPROF})


def timer_signals(task: Task) -> frozenset[int]:
    """The signals the process's timers may send it: those armed (or fired, undelivered), and every POSIX
    timer's, which the next call may arm."""
    timers = task.group.timers
    sent = {SIGALRM: ITIMER_REAL, SIGVTALRM: ITIMER_VIRTUAL, SIGPROF: ITIMER_PROF}
    found = {sig for sig, which in sent.items()
             if (t := timers.itimers.get(which)) is not None and (t.expiry is not None or t.waiting)}  # fmt: skip
    found |= {p.signo for p in timers.posix.values() if p.signo}
    if (t := timers.itimers.get(RLIMIT_CPU_TIMER)) is not None and (t.expiry is not None or t.waiting):
        found |= _rlimit_cpu_signals(task)
    return frozenset(found)


def _rlimit_cpu_signals(task: Task) -> set[int]:
    """What the RLIMIT_CPU check may send: SIGXCPU past a finite soft limit, SIGKILL past a finite hard one."""
    rlimits = task.group.rlimits
    if rlimits is None:
        return set()
    soft, hard = rlimits[RLIMIT_CPU]
    return {sig for sig, limit in ((SIGXCPU, soft), (SIGKILL, hard)) if limit != RLIM_INFINITY}


def killed_by_own_timer(signal: int, before: frozenset[int], call: str) -> bool:
    """Did the fuzzing process die of a signal its timers sent? `before`: timer_signals before `call`, the
    last call, which may have armed an interval timer (or lowered RLIMIT_CPU) that fired before the next call."""
    return (signal in before or (call.startswith(("alarm(", "setitimer(")) and signal in ITIMER_SIGNALS)
            or (call.startswith(("setrlimit(", "prlimit64(")) and signal in (SIGXCPU, SIGKILL)))
