"""A project's system call that raises: a kernel oops confined to the calling thread.

On Linux a bug in a module's system call (a NULL dereference, a BUG_ON)
prints an oops on the console and kills the task that made the call, as
make_task_dead(SIGSEGV) does: do_exit ends that thread alone, so the other
threads of its process run on, the process ends when its last thread does,
and the rest of the machine runs on. Here the bug is a Python exception out
of a project's syscalls/*.py (or a driver in devices/*.py) and the oops is a
few lines on stderr in the same shape, PID being the thread's id as in
Linux's (current->pid):

    BUG: ZeroDivisionError in system call my_func: integer division or modulo by zero
    Oops: [#1] PID: 2 Comm: prog
    RIP: sys_my_func at /home/me/proj/syscalls/my_func.py:21
    Code: return a // b
    ---[ end trace ]---

naming the project's own frames only, never syscalltbl's. An exception
whose traceback crosses no project file is a bug of syscalltbl itself and
is left to propagate, as before.
"""

from __future__ import annotations

import os
import sys
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.process import ExitStatus, Task
from syscalltbl.machine.uapi.signal import SIGSEGV

if TYPE_CHECKING:
    import traceback

    from syscalltbl.machine.machine import Machine

#: Oopses so far, per machine: Linux's [#N].
_count: weakref.WeakKeyDictionary[Machine, int] = weakref.WeakKeyDictionary()


def project_frames(machine: Machine, exc: BaseException) -> list[traceback.FrameSummary]:
    """The frames of `exc`'s traceback in the machine's project files, outermost first."""
    target = machine.target
    homes = {str(d) for d in (target.syscalls_dir, target.devices_dir) if d is not None}
    if not homes:
        return []
    import traceback  # here: only an oops reads a traceback, and every machine start imports this module

    return [f for f in traceback.extract_tb(exc.__traceback__) if os.path.dirname(f.filename) in homes]


def confine(machine: Machine, task: Task, exc: BaseException, *, ia32: bool) -> bool:
    """Report `exc`, raised by a project's code in `task`'s system call, and end that thread with SIGSEGV.

    False, doing nothing, when no project frame is on the traceback: the
    exception is syscalltbl's own and must not be mistaken for the user's.
    """
    frames = project_frames(machine, exc)
    if not frames:
        return False
    number = task.pt_regs()["orig_ax"] & 0xFFFFFFFF
    table = machine.kernel.ia32_table if ia32 else machine.kernel.table
    call = table[number].name if number < len(table) else f"{number}"
    _count[machine] = count = _count.get(machine, 0) + 1
    sys.stderr.write(report(exc, frames, call, task, count))
    sys.stderr.flush()
    # do_exit, as make_task_dead calls it, not a fatal signal: the thread's siblings run on.
    machine.do_exit(task, ExitStatus(None, SIGSEGV, f"SIGSEGV (oops in system call {call})"))
    return True


def report(exc: BaseException, frames: list[traceback.FrameSummary], call: str, task: Task, count: int) -> str:
    """The oops text: the exception, the task, then the project's frames, innermost first."""
    *callers, rip = frames
    message = str(exc)
    lines = [
        f"BUG: {type(exc).__name__} in system call {call}" + (f": {message}" if message else ""),
        f"Oops: [#{count}] PID: {task.tid} Comm: {task.comm.decode(errors='replace')}",
        f"RIP: {rip.name} at {rip.filename}:{rip.lineno}",
    ]
    if rip.line:
        lines.append(f"Code: {rip.line}")
    if callers:
        lines.append("Call Trace:")
        lines += [f" {f.name} at {f.filename}:{f.lineno}" for f in reversed(callers)]
    lines.append("---[ end trace ]---")
    return "".join(line + "\n" for line in lines)
