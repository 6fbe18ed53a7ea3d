"""Which system calls are the runtime's own, not the program's: tracers skip them.

The Python-program backend (pyprocess.py) parks its process after every
wrapper call with a `sched_yield` made from one fixed user address. It marks
that address here; a tracer asks `is_internal` with the task whose call it
is seeing, which compares the call's return address (pt_regs->ip, saved by
entry_SYSCALL_64) with the mark. Nothing else is consulted, so a
`sched_yield` that the program itself makes is traced as usual.
"""

from __future__ import annotations

import struct
import weakref

from syscalltbl.generators.x86_64.abi import PT_OFFSET
from syscalltbl.machine.kernel.process import Task

_Q = struct.Struct("<Q")
_internal: weakref.WeakKeyDictionary[Task, int] = weakref.WeakKeyDictionary()


def mark_internal(task: Task, return_ip: int) -> None:
    """Calls of `task` that return to user address `return_ip` are the runtime's own."""
    _internal[task] = return_ip


def is_internal(task: Task) -> bool:
    at = _internal.get(task)
    if at is None:
        return False
    return bool(_Q.unpack_from(task.mm.ram.mem, task.regs_pa + PT_OFFSET["ip"])[0] == at)
