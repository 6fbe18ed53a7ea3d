"""What wait4 and waitid share (kernel/exit.c's do_wait): which children a wait is for, and reaping one."""

from __future__ import annotations

from syscalltbl.machine.kernel import cputime, proc
from syscalltbl.machine.kernel.pidns import find_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.rusage import pack_rusage
from syscalltbl.machine.uapi.signal import SIGCHLD
from syscalltbl.machine.uapi.wait import __WALL, __WCLONE


def eligible_child(t: Task, child: Task, pid: int, options: int) -> bool:
    """Is `child` one a wait by `t` for `pid` (wait4's encoding: > 0 a pid, 0 the caller's process group,
    -1 any, < -1 a process group) may report (eligible_pid and eligible_child)?

    __WCLONE waits only for children that signal their end with something other than SIGCHLD (or
    nothing), the default only for the others; __WALL for both.
    """
    if pid > 0:
        matches = child.pid == find_vpid(t, pid)  # numbers of the caller's pid namespace
    elif pid == 0:
        matches = child.pgid == t.pgid
    else:
        matches = pid == -1 or child.pgid == find_vpid(t, -pid)
    return matches and (bool(options & __WALL) or (child.exit_signal != SIGCHLD) == bool(options & __WCLONE))


def child_usage(child: Task) -> bytes:
    """The rusage wait4 and waitid report of a zombie: its process's and its reaped children's (RUSAGE_BOTH)."""
    usage = cputime.group_usage(child.group)
    usage.add(child.group.times.children)
    return pack_rusage(usage)


def reap_zombie(t: Task, child: Task) -> None:
    """wait_task_zombie's end: the child's times go to the waiter's process, and the zombie goes."""
    cputime.reaped(t.group, child.group)
    proc.reap(t.machine, child)
