"""The scheduler's clocks: time slices counted in the guest's own work, and a tick for the host's time.

A slice is SLICE_BLOCKS translated blocks of user code, counted down by
the interrupt line's block hook (hw/irq.py, image/irqhook.py), with each
system call charged as SYSCALL_CHARGE blocks on its way through the gate
page. When the count runs out the hook stops the cpu before the next user
block, RIP exact, and the scheduler preempts the task if another can run
(kernel/sched.py). Counting work, not the host's time, makes the
interleaving of tasks the same on every run, however loaded the host is:
a trace, or what `ps` sees, does not change from one run to the next.

What does depend on the host's time goes through the tick: a host thread
that raises the line at a time (time.monotonic()), as a local APIC timer
does on real hardware. The scheduler arms it for the earliest sleeper's
deadline (nanosleep, a poll's timeout, a host descriptor's recheck), so a
sleeper wakes on time even beside a task that never stops, and for the
end of the run's time (the run's timeout). A lone task pays nothing for
either but the line's block hook, armed anyway for Ctrl-C, and one tick
at the end of its run's time. The thread leaves after `IDLE_EXIT` seconds
with nothing to time, so a machine that is dropped leaves no thread behind.

Neither is ever taken for a host signal: the line says only that the cpu
stopped; the hook's `spent` flag, `Tick.expired` and the host-signal queue
(kernel/hostsig.py) say why, each on its own.
"""

from __future__ import annotations

import threading
import time

from syscalltbl.machine.hw.irq import InterruptLine

#: The time slice, in blocks of user code: about 10 ms of a tight loop on
#: this machine, more for code with longer blocks or system calls. That is
#: Linux's tick at CONFIG_HZ=100, and the order of CFS's own period
#: (sched_latency: 6 ms, stretched with more tasks). A switch costs this
#: machine 0.2-0.5 ms (FPU registers and the vDSO's clock through ctypes,
#: the gate, a fresh emu_start; bench_preemption.py), about a hundred times
#: Linux's: at Debian's 4 ms tick (CONFIG_HZ=250) two tasks sharing the cpu
#: would lose about a tenth of it to switching, at 10 ms a few percent.
SLICE_BLOCKS = 1 << 21
IDLE_EXIT = 1.0  # seconds the thread waits, unarmed, before it ends
POLL = 0.01  # seconds between its looks while unarmed


class Tick:
    """One machine's timer: `arm(at)` asks for the line to be raised at time `at` (time.monotonic())."""

    def __init__(self, line: InterruptLine) -> None:
        self.line = line
        self._cond = threading.Condition(threading.Lock())
        self._at: float | None = None  # when to raise the line; None: unarmed
        self._expired = False  # the line was raised for the slice armed last
        self._waits_until = float("inf")  # the thread's own deadline, while it waits
        self._thread: threading.Thread | None = None
        self.ticks = 0  # lines raised

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
        # Unarmed, it still wakes every POLL seconds for IDLE_EXIT seconds: an
        # arm for a later time then finds it due to wake before it, and costs
        # no notify (a host thread woken per task switch took the
        # scheduler's core from it, about 0.25 ms each, measured).
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
                    at = now + POLL
                else:
                    idle_since = None
                self._waits_until = at
                self._cond.wait(min(at - now, threading.TIMEOUT_MAX))
                self._waits_until = float("inf")
