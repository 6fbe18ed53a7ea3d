"""Which pid a new task gets (kernel/pid.c alloc_pid): the next after the last, wrapping below pid_max.

Pids count up from 1; the one after pid_max - 1 is RESERVED_PIDS, and from
then on a number still in use is passed over: a task's, a zombie's, one a
process group or session is named by, or one whose kernel stack is not yet
freed (each pid has its own stack slot, kernel/proc.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.sysctl import RESERVED_PIDS
from syscalltbl.machine.uapi.errno import EAGAIN, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine


def pids_in_use(machine: Machine) -> set[int]:
    used = {t.tid for t in machine.dead_tasks}
    for t in machine.tasks.values():
        used.update((t.tid, t.pgid, t.sid))
    return used


def alloc_pid(machine: Machine) -> int:
    """The next free pid, made the machine's last; EAGAIN when every pid below pid_max is taken."""
    pid_max = machine.sysctl.pid_max
    candidate = machine.last_pid + 1
    if candidate < pid_max and not machine.pids_wrapped:
        machine.last_pid = candidate  # before the first wrap every pid above the last is free
        return candidate
    machine.pids_wrapped = True
    used = pids_in_use(machine)
    for _ in range(pid_max):
        if candidate >= pid_max:
            candidate = RESERVED_PIDS
        if candidate not in used:
            machine.last_pid = candidate
            return candidate
        candidate += 1
    raise Errno(EAGAIN)  # idr_alloc_cyclic: no room
