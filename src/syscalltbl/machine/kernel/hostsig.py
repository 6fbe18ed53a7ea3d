"""Host signals into the machine, as a terminal hands Ctrl-C to its foreground job.

`syscalltbl run` is the guest's terminal: SIGINT, SIGTERM and SIGHUP sent to
it go to the emulated foreground process group (n_tty's isig: kill_pgrp
with SI_KERNEL). While the cpu runs guest code no Python runs in the main
thread, so a Python signal handler alone would wait for the next system
call, forever in a loop without one. Instead the C-level handler writes the
signal to a wakeup fd (signal.set_wakeup_fd), and a watcher thread raises
the cpu's interrupt line (hw/irq.py) and wakes an idle scheduler; at its
next safe point the scheduler sends the signals (`service`).

If the machine has not finished `grace` seconds after the first signal, or
a second one arrives, the machine is halted: `service` raises Halted, which
ends the whole run (a guest that handles or ignores SIGINT cannot keep the
user from getting their terminal back).
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.uapi.signal import SI_KERNEL

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE = 1.0  # seconds the guest has to finish after the first signal


class Halted(KeyboardInterrupt):
    """The machine was stopped from the host by signal `signum`: to a host Python program, a KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


class HostSignals:
    """Forwarding of the host's signals to the machine attached; `grace=0` halts on the first one."""

    def __init__(self, grace: float = GRACE) -> None:
        self.grace = grace
        self.machine: Machine | None = None
        self.queue: collections.deque[int] = collections.deque()  # appended by the watcher thread
        self.halted: int | None = None
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._signal_r, self._signal_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._done_r, self._done_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        # Held while the machine is switched and while the watcher records a signal and wakes the machine:
        # else a signal arriving as the fuzzer boots its next machine could wake the old one only, and the
        # new one would run on until something else stopped it (a Ctrl-C once took 2 s so).
        self._lock = threading.Lock()

    def attach(self, machine: Machine) -> None:
        """Forward to `machine` from now on (the fuzzer boots a fresh one after each death).

        Called from the main thread: once halted, it raises Halted here. A signal that came while the
        last machine ran was answered there by its interrupt line; had that run ended anyway (its task
        died), nothing would stop the next machine before its boot was over and its program ran (a Ctrl-C
        once took 2 s so)."""
        with self._lock:
            if self.machine is not None:
                self.machine.host_signals = None
            self.machine = machine
            machine.host_signals = self
            if self.queue or self.halted is not None:
                self._wake()
            halted = self.halted
        if halted is not None:
            raise Halted(halted)

    # -- installed around a run: process-wide, from the main thread --

    @contextlib.contextmanager
    def installed(self, machine: Machine | None = None) -> Iterator[HostSignals]:
        if machine is not None:
            self.attach(machine)
        try:
            if threading.current_thread() is threading.main_thread():
                with self._handlers():
                    yield self
            else:
                yield self  # signal handlers belong to the main thread: a run from another has none
        finally:
            self._detach()
            for fd in (self._wake_r, self._wake_w, self._signal_r, self._signal_w, self._done_r, self._done_w):
                os.close(fd)

    @contextlib.contextmanager
    def _handlers(self) -> Iterator[None]:
        previous = {signum: signal.signal(signum, self._in_main_thread) for signum in FORWARDED}
        old_wakeup = signal.set_wakeup_fd(self._signal_w, warn_on_full_buffer=False)
        watcher = threading.Thread(target=self._watch, name="syscalltbl-host-signals", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            os.write(self._done_w, b"\0")
            watcher.join()
            signal.set_wakeup_fd(old_wakeup)
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _detach(self) -> None:
        if self.machine is not None:
            self.machine.host_signals = None
            self.machine = None

    def _in_main_thread(self, signum: int, _frame: FrameType | None) -> None:
        # The watcher does the work; this runs only when the main thread runs Python.
        # Inside the cpu's hooks an exception could only be lost (a ctypes callback
        # cannot raise): there the interrupt line and `service` end the run. Outside,
        # once halted (or at once, if the first signal halts), leave from wherever the
        # main thread is: a host Python program between its calls, where nothing looks.
        machine = self.machine
        if machine is not None and machine.cpu.running:
            return
        if self.halted is None and self.grace == 0:
            self.halted = signum
        if self.halted is not None:
            raise Halted(self.halted)

    # -- the watcher thread --

    def _watch(self) -> None:
        first_at: float | None = None
        while True:
            timeout = None
            if first_at is not None and self.halted is None:
                timeout = max(first_at + self.grace - time.monotonic(), 0.0)
            ready, _, _ = select.select([self._signal_r, self._done_r], [], [], timeout)
            if self._done_r in ready:
                return
            if not ready:  # the grace period is over and the machine still runs
                self._halt(self.queue[0] if self.queue else signal.SIGINT)
                continue
            for signum in os.read(self._signal_r, 64):
                if signum not in FORWARDED:
                    continue
                if first_at is None:
                    first_at = time.monotonic()
                    with self._lock:
                        self.queue.append(signum)
                        if self.grace == 0:  # halted as it is recorded: attach() never sees one alone
                            self.halted = signum
                        self._wake()
                else:
                    with self._lock:
                        self.queue.append(signum)
                    self._halt(signum)

    def _halt(self, signum: int) -> None:
        with self._lock:
            if self.halted is None:
                self.halted = signum
            self._wake()

    def _wake(self) -> None:
        """Stop the machine attached: called with the lock held."""
        machine = self.machine
        if machine is not None:
            machine.irq.raise_line()  # a cpu running guest code stops at its next user block
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"\0")  # an idle scheduler wakes

    # -- the scheduler's side (main thread) --

    def service(self) -> None:
        """At a safe point: send what arrived to the foreground process group, or halt."""
        if self.halted is not None:
            raise Halted(self.halted)
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake_r, 4096)
        machine = self.machine
        while self.queue and machine is not None:
            signum = self.queue.popleft()
            for task in list(machine.tasks.values()):
                if task.status is None and task.pgid == machine.foreground_pgid:
                    signals.send(task, signum, signals.siginfo(signum, SI_KERNEL))

    def wait(self, timeout: float | None) -> None:
        """Idle until `timeout` passes or a host signal arrives."""
        select.select([self._wake_r], [], [], timeout)
