"""The OOM killer (mm/oom_kill.c): when a page fault finds no free frame, the biggest process dies of SIGKILL.

Linux's default overcommit heuristic grants mmap and brk requests that
RAM could hold and pays for them on first touch; when a touch finds RAM
full, the process holding the most of it is killed, and the fault is
tried again (or, if that process was the faulting one, it is dead).
Every process is a candidate but the generated init (kernel/pid1.py), as
Linux never picks the global init (oom_unkillable_task); a program that is
PID 1 itself (`run --pid1`) is a container's init, which Linux may pick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.hw.paging import PTE_ADDR
from syscalltbl.machine.kernel.mm import SHARED
from syscalltbl.machine.kernel.pid1 import runs_init
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.uapi.signal import SIGKILL

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

DETAIL = "SIGKILL (out of memory)"


def badness(task: Task) -> int:
    """Its RSS as oom_badness counts it: private pages, and pages of shared memory it maps (MM_SHMEMPAGES).

    A shared memory hog is the one to kill, though its pages come back only
    with their last mapping; an executable's text shared with the page
    cache, and the vDSO, are not counted.
    """
    ram = task.mm.ram
    kernel = [(v.start, v.end) for v in task.mm.vmas if v.name in SHARED]
    shmem = [(v.start, v.end) for v in task.mm.vmas if v.shared]
    return sum(
        1
        for va, entry in task.mm.user_leaves()
        if (not ram.is_shared(entry & PTE_ADDR) or any(a <= va < b for a, b in shmem))
        and not any(a <= va < b for a, b in kernel)
    )


def out_of_memory(machine: Machine) -> bool:
    """Kill the process holding the most RAM; True if its memory came back already (the fault may retry)."""
    alive = [t for t in machine.tasks.values() if t.status is None and not runs_init(t)]
    if not alive:
        return False
    # One task per address space: its threads share what killing it gives back.
    alive = list({id(t.mm): t for t in alive}.values())
    victim = max(alive, key=lambda t: (badness(t), t.tid))  # a tie: the youngest, as a fork bomb's newest child
    # Another process's memory comes back at its death (proc.do_exit), as the oom_reaper frees it;
    # the faulting process's own fault ends with its death (with all its threads).
    victim.kill(SIGKILL, DETAIL)
    current = machine.current
    return current is None or current.status is None
