"""The scheduler's tick: a host thread that raises the interrupt line when a time slice ends.

The emulated cpu runs guest code with no Python in between, so, as a local
APIC timer does on real hardware, something outside it must take the cpu
back: a thread waits for the end of the running task's slice and raises the
line (hw/irq.py), which stops the cpu before its next user-mode block with
RIP exact. The scheduler then preempts the task if another can run
(kernel/sched.py).

Slices end only while another task is alive: a lone task pays nothing but
the line's block hook, armed anyway for Ctrl-C, and one tick at the end of
its run's time (the tick is also the run's timeout). The thread wakes once
per slice at most, not once per task switch (arming only moves its
deadline), and leaves after `IDLE_EXIT` seconds with nothing to time, so a
machine that is dropped leaves no thread behind.

Ticks are never taken for host signals: the line says only that the cpu
stopped; `expired` (here) and the host-signal queue (kernel/hostsig.py) say
why, each on its own.
"""

from __future__ import annotations

import threading
import time

from syscalltbl.machine.hw.irq import InterruptLine

#: The time slice, seconds: Linux's tick at CONFIG_HZ=100, and the order of
#: CFS's own period (sched_latency: 6 ms, stretched with more tasks). A
#: switch costs this machine 0.3-0.5 ms (FPU registers and the vDSO's clock
#: through ctypes, the gate, a fresh emu_start; bench_preemption.py), about
#: a hundred times Linux's: at Debian's 4 ms tick (CONFIG_HZ=250) two tasks
#: sharing the cpu would lose about a tenth of it to switching, at 10 ms 4%.
SLICE = 0.010
IDLE_EXIT = 1.0  # seconds the thread waits, unarmed, before it ends


class Tick:
    """One machine's timer: `arm(at)` asks for the line to be raised at time `at` (time.monotonic())."""

    def __init__(self, line: InterruptLine, slice_seconds: float = SLICE) -> None:
        self.line = line
        self.slice = slice_seconds
        self._cond = threading.Condition(threading.Lock())
        self._at: float | None = None  # when to raise the line; None: unarmed
        self._expired = False  # the line was raised for the slice armed last
        self._waits_until = float("inf")  # the thread's own deadline, while it waits
        self._thread: threading.Thread | None = None
        self.ticks = 0  # lines raised: slices that ran out

    def arm(self, at: float) -> None:
        """Raise the line at `at`, unless disarmed first; replaces an earlier request."""
        with self._cond:
            self._at = at
            self._expired = False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="syscalltbl-tick", daemon=True)
                self._thread.start()
            elif at < self._waits_until:
                self._cond.notify()  # it sleeps past `at`: wake it to wait less

    def arm_slice(self) -> None:
        """End the running task's slice a slice from now at the latest (a task alone until now made another)."""
        with self._cond:
            if self._expired:
                return  # the line is up already
            at = time.monotonic() + self.slice
            if self._at is not None and self._at <= at:
                return
        self.arm(at)

    def disarm(self) -> bool:
        """No tick from now on; True if it raised the line since `arm` (whether or not the cpu took it)."""
        with self._cond:
            self._at = None
            expired, self._expired = self._expired, False
            return expired

    def expired(self) -> bool:
        with self._cond:
            return self._expired

    def _run(self) -> None:
        # Unarmed, it still wakes once a slice for IDLE_EXIT seconds: the next
        # arm, a slice from now, then finds it due to wake before its time,
        # and the switch costs no notify (a host thread woken per switch
        # took the scheduler's core from it, about 0.25 ms each, measured).
        idle_since: float | None = None
        with self._cond:
            while True:
                at, now = self._at, time.monotonic()
                if at is not None and now >= at:
                    self._at = None
                    self._expired = True
                    self.ticks += 1
                    self.line.raise_line()
                    continue
                if at is None:
                    idle_since = now if idle_since is None else idle_since
                    if now - idle_since >= IDLE_EXIT:
                        self._thread = None  # the next arm starts another
                        return
                    at = now + self.slice
                else:
                    idle_since = None
                self._waits_until = at
                self._cond.wait(min(at - now, threading.TIMEOUT_MAX))
                self._waits_until = float("inf")
