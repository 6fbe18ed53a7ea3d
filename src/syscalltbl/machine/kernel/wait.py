"""Blocking: a service that cannot finish yet raises Sleep instead of returning.

The dispatcher then stops the cpu with the task parked on the trap
instruction; the scheduler resumes it there once `ready()` holds, which runs
the same system call again from the same pt_regs. A service must therefore
raise Sleep before it changes anything (the kernel's -ERESTARTSYS pattern).
A service that has finished but must not return yet (vfork) instead sets
`task.sleep` to a Sleep with restart=False and stops the cpu.
"""

from __future__ import annotations

from collections.abc import Callable

HOST_POLL_INTERVAL = 0.01  # how often a wait that includes one of the host's descriptors looks at it again


class Sleep(Exception):
    def __init__(
        self,
        ready: Callable[[], bool],
        deadline: float | None = None,
        *,
        restart: bool = True,
        restartable: bool = True,
        always_restart: bool = False,
        on_interrupt: Callable[[], int | None] | None = None,
        recheck: float | None = None,
    ) -> None:
        super().__init__()
        self.ready = ready
        self.deadline = deadline  # time.monotonic() value, for nanosleep
        # False: the call already completed (vfork's parent); resume after the
        # trap. Such a sleep is not interrupted by a handled signal either.
        self.restart = restart
        # A handled signal interrupts the sleep; with SA_RESTART the call then
        # runs again after the handler (-ERESTARTSYS), unless this is False
        # (-ERESTARTNOHAND: pause, sigsuspend, nanosleep answer EINTR).
        self.restartable = restartable
        # -ERESTARTNOINTR (FUTEX_LOCK_PI): the call runs again after the handler, SA_RESTART or not.
        self.always_restart = always_restart
        # Run when a signal ends the sleep (nanosleep writes the time left); an
        # errno it returns is the call's answer instead of EINTR.
        self.on_interrupt = on_interrupt
        # An earlier time to look again (a wait on the host's descriptors, which
        # nothing here can wake): ready() holds then, and the call re-runs.
        self.recheck = recheck

    @property
    def wake(self) -> float | None:
        """When the scheduler must look at this sleep again, if nothing wakes it first."""
        times = [t for t in (self.deadline, self.recheck) if t is not None]
        return min(times) if times else None
