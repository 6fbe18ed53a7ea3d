"""The scheduler's tick: a host thread that raises the interrupt line when a time slice ends.

The emulated cpu runs guest code with no Python in between, so, as a local
APIC timer does on real hardware, something outside it must take the cpu
back: a thread waits for the end of the running task's slice and raises the
line (hw/irq.py), which stops the cpu before its next user-mode block with
RIP exact. The scheduler then preempts the task if another can run
(kernel/sched.py). A slice is cpu time of the thread that emulates, not
wall time: on a loaded host a wall-clock slice holds less of a task's
work, and how far each task got before the next ran (what a trace or `ps`
shows) would change from run to run with the load. The same thread also
raises the line at wall-clock times: a sleeper's deadline, so that it wakes
on time beside a task that never stops, and the end of the run's time.

Slices end only while another task is alive: a lone task pays nothing but
the line's block hook, armed anyway for Ctrl-C, and one tick at the end of
its run's time (the tick is also the run's timeout). The thread wakes about
once per slice, not once per task switch (arming only moves its deadline;
unarmed, it looks every POLL seconds), and leaves after `IDLE_EXIT` seconds
with nothing to time, so a machine that is dropped leaves no thread behind.

Ticks are never taken for host signals: the line says only that the cpu
stopped; `expired` (here) and the host-signal queue (kernel/hostsig.py) say
why, each on its own.
"""

from __future__ import annotations

import threading
import time

from syscalltbl.machine.hw.irq import InterruptLine

#: The time slice: cpu seconds of the emulating thread. This machine runs a
#: program 20 to 50 times slower than the host does (bench_busybox.py,
#: runtime_getpid.py), so 50 ms of its time is 1-2.5 ms of the program's
#: own work: what Linux's CFS gives a task (sched_latency 6 ms shared among
#: the runnable tasks, 0.75 ms at least; a 4 ms tick at Debian's
#: CONFIG_HZ=250). A switch costs the machine 0.2-0.5 ms (the FPU registers
#: and the vDSO's clock through ctypes, the gate, a fresh emu_start;
#: bench_preemption.py): under 1% of such a slice, a tenth of a 4 ms one.
#: And a short phase of a task (a program starting, a shell between fork
#: and wait) ends inside its slice, so it is not cut at a point that moves
#: with the host's speed.
SLICE = 0.050
IDLE_EXIT = 1.0  # seconds the thread waits, unarmed, before it ends
POLL = 0.01  # seconds between its looks while unarmed


class Tick:
    """One machine's timer: the line is raised at wall time `at` or when a slice of cpu time is used up.

    A slice is measured on the cpu clock of the thread that runs the
    emulated cpu (the one that calls `arm`): the emulation's own work, so a
    host busy with other programs stretches a slice's wall time, not how far
    a task gets in it, and a task's progress between two switches does not
    depend much on the host's load.
    """

    def __init__(self, line: InterruptLine, slice_seconds: float = SLICE) -> None:
        self.line = line
        self.slice = slice_seconds
        self._cond = threading.Condition(threading.Lock())
        self._at: float | None = None  # wall time (time.monotonic()) to raise the line at; None: none
        self._slice_end: float | None = None  # the same on the emulating thread's cpu clock
        self._clock = time.CLOCK_THREAD_CPUTIME_ID  # that thread's cpu clock, set by `arm`
        self._expired = False  # the line was raised since the last arm
        self._waits_until = float("inf")  # the thread's own deadline (wall), while it waits
        self._thread: threading.Thread | None = None
        self.ticks = 0  # lines raised

    def arm(self, at: float, *, slice_: bool = False, cpu_budget: float | None = None, share: float = 1.0) -> None:
        """Raise the line at `at`, and with `slice_` after a slice of this thread's cpu time (`share` times
        the slice: the task's weight), or after `cpu_budget` seconds of it if that comes first (a cpu
        timer's expiry); replaces the last."""
        with self._cond:
            self._clock = time.pthread_getcpuclockid(threading.get_ident())
            self._at = at
            own = self.slice * share
            budget = min(own if slice_ else float("inf"), float("inf") if cpu_budget is None else cpu_budget)
            self._slice_end = time.clock_gettime(self._clock) + budget if budget != float("inf") else None
            self._expired = False
            self._wake_for(min(at, time.monotonic() + budget))

    def arm_sooner(self, at: float | None, cpu_budget: float | None = None) -> None:
        """Raise the line by wall time `at` and after `cpu_budget` seconds of this thread's cpu time at the
        latest: a timer armed while the task runs (setitimer, timer_settime)."""
        with self._cond:
            if self._expired:
                return  # the line is up already: the scheduler looks at the timers then
            if at is not None and (self._at is None or at < self._at):
                self._at = at
            if cpu_budget is not None:
                self._clock = time.pthread_getcpuclockid(threading.get_ident())
                end = time.clock_gettime(self._clock) + cpu_budget
                if self._slice_end is None or end < self._slice_end:
                    self._slice_end = end
            due = min(at if at is not None else float("inf"),
                      time.monotonic() + cpu_budget if cpu_budget is not None else float("inf"))  # fmt: skip
            if due != float("inf"):
                self._wake_for(due)

    def arm_slice(self) -> None:
        """Start a slice now unless one is counted (the running task, alone until now, made another)."""
        with self._cond:
            if self._expired or self._slice_end is not None:
                return
            self._clock = time.pthread_getcpuclockid(threading.get_ident())
            self._slice_end = time.clock_gettime(self._clock) + self.slice
            self._wake_for(time.monotonic() + self.slice)

    def _wake_for(self, due: float) -> None:
        # With the lock held: the thread must look again by wall time `due`.
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="syscalltbl-tick", daemon=True)
            self._thread.start()
        elif due < self._waits_until:
            self._cond.notify()  # it sleeps past `due`: wake it to wait less

    def disarm(self) -> bool:
        """No tick from now on; True if it raised the line since `arm` (whether or not the cpu took it)."""
        with self._cond:
            self._at = self._slice_end = None
            expired, self._expired = self._expired, False
            return expired

    def expired(self) -> bool:
        with self._cond:
            return self._expired

    def _run(self) -> None:
        # Unarmed, it still wakes every POLL seconds for IDLE_EXIT seconds: an
        # arm for a later time then finds it due to wake before that, and
        # costs no notify (a host thread woken per task switch took the
        # scheduler's core from it, about 0.25 ms each, measured).
        idle_since: float | None = None
        with self._cond:
            while True:
                at, end, now = self._at, self._slice_end, time.monotonic()
                left = end - time.clock_gettime(self._clock) if end is not None else None
                if (at is not None and now >= at) or (left is not None and left <= 0):
                    self._at = self._slice_end = None
                    self._expired = True
                    self.ticks += 1
                    self.line.raise_line()
                    continue
                if at is None and left is None:
                    idle_since = now if idle_since is None else idle_since
                    if now - idle_since >= IDLE_EXIT:
                        self._thread = None  # the next arm starts another
                        return
                    due = now + POLL
                else:
                    idle_since = None
                    # A thread's cpu clock runs no faster than the wall clock: look again then.
                    due = min(at if at is not None else float("inf"), now + left if left is not None else float("inf"))
                self._waits_until = due
                self._cond.wait(min(due - now, threading.TIMEOUT_MAX))
                self._waits_until = float("inf")
