"""What wait4 and waitid share (kernel/exit.c's do_wait): which children a wait is for, what it reports of
each (an end, a stop, a continue, a stop for its tracer), and reaping one."""

from __future__ import annotations

from syscalltbl.machine.kernel import cputime, proc
from syscalltbl.machine.kernel.pidns import find_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.uapi.signal import (
    CLD_CONTINUED,
    CLD_DUMPED,
    CLD_EXITED,
    CLD_KILLED,
    CLD_STOPPED,
    CLD_TRAPPED,
    SIGCHLD,
    SIGCONT,
)
from syscalltbl.machine.uapi.timers import WEXITED, WNOWAIT, WSTOPPED
from syscalltbl.machine.uapi.wait import __WALL, __WCLONE, __WNOTHREAD, WCONTINUED
from syscalltbl.store.record import Frozen


def eligible_child(t: Task, child: Task, pid: int, options: int, *, traced: bool = False) -> bool:
    """Is `child` one a wait by `t` for `pid` (wait4's encoding: > 0 a pid, 0 the caller's process group,
    -1 any, < -1 a process group) may report (eligible_pid and eligible_child)?

    __WCLONE waits only for children that signal their end with something other than SIGCHLD (or
    nothing), the default only for the others; __WALL for both, as for the caller's tracees.
    """
    if pid > 0:
        vpid = find_vpid(t, pid)  # numbers of the caller's pid namespace
        matches = child.pid == vpid or (traced and child.tid == vpid)
    elif pid == 0:
        matches = child.pgid == t.pgid
    else:
        matches = pid == -1 or child.pgid == find_vpid(t, -pid)
    clone_ok = traced or bool(options & __WALL) or (child.exit_signal != SIGCHLD) == bool(options & __WCLONE)
    return matches and clone_ok


def candidates(t: Task, pid: int, options: int) -> list[tuple[Task, bool]]:
    """The children and tracees a wait may report, each with whether the caller traces it; any thread of
    the process waits for those of all of them, unless __WNOTHREAD."""
    waiters = [t] if options & __WNOTHREAD else t.group.threads
    found = [(c, c.tracer is not None and c.tracer.group is t.group) for w in waiters for c in w.children]
    seen = {id(c) for c, _ in found}
    found += [(c, True) for w in waiters for c in w.ptraced if id(c) not in seen]
    return [(c, traced) for c, traced in found if eligible_child(t, c, pid, options, traced=traced)]


class WaitEvent(Frozen):
    """What a wait reports of one child: how it ended (`exited`), or a stop or continue."""

    child: Task
    code: int  # waitid's si_code: CLD_EXITED ... CLD_CONTINUED
    status: int  # waitid's si_status
    exited: bool

    __slots__ = _fields = ("child", "code", "status", "exited")

    def __init__(self, child: Task, code: int, status: int, exited: bool) -> None:
        object.__setattr__(self, "child", child)
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "exited", exited)

    @property
    def wait_status(self) -> int:
        """wait4's status word: WEXITSTATUS/WTERMSIG, W_STOPCODE(sig) = sig << 8 | 0x7f, or 0xffff."""
        if self.exited:
            status = self.child.status
            assert status is not None
            return status.wait_status
        if self.code == CLD_CONTINUED:
            return 0xFFFF
        return self.status << 8 | 0x7F

    def consume(self) -> None:
        """The report is made (not under WNOWAIT): a stop or a continue is reported once."""
        child = self.child
        if self.code == CLD_TRAPPED or (self.code == CLD_STOPPED and child.traced_stop):
            child.exit_code = 0
        elif self.code == CLD_STOPPED:
            child.group.stop_code = 0
        elif self.code == CLD_CONTINUED:
            child.group.continued = False


def event(t: Task, child: Task, traced: bool, options: int) -> WaitEvent | None:
    """What `child` has to report to a wait by `t` with `options` (wait_consider_task), if anything.

    A tracee's stops are its tracer's to see, WSTOPPED or not; its real parent sees its end.
    """
    status = child.status
    parent = child.parent
    tracer = child.tracer
    own = child.is_leader and parent is not None and parent.group is t.group
    # A tracer other than the parent sees the end first (kernel/ptrace.py's keeps_zombie).
    sees_end = (own and (tracer is None or tracer.group is t.group)) or (traced and child.is_leader)
    if sees_end and child.group.ended and status is not None and options & WEXITED:
        if status.signal is None:
            return WaitEvent(child, CLD_EXITED, status.code or 0, True)
        return WaitEvent(child, CLD_DUMPED if status.core else CLD_KILLED, status.signal, True)
    if child.status is not None:
        return None
    if traced:
        if child.stopped and child.traced_stop and child.exit_code:
            return WaitEvent(child, CLD_TRAPPED, child.exit_code, False)
        return None
    group = child.group
    if options & WSTOPPED and group.stopped and group.stop_code:
        return WaitEvent(child, CLD_STOPPED, group.stop_code, False)
    if options & WCONTINUED and group.continued:
        return WaitEvent(child, CLD_CONTINUED, SIGCONT, False)
    return None


def find_event(t: Task, pid: int, options: int) -> WaitEvent | None:
    """The first child with something to report to this wait."""
    for child, traced in candidates(t, pid, options):
        found = event(t, child, traced, options)
        if found is not None:
            return found
    return None


def report(t: Task, found: WaitEvent, options: int) -> None:
    """After the reporting: a stop or continue is seen once, an ended child is reaped (not under WNOWAIT)."""
    if options & WNOWAIT:
        return
    child = found.child
    if not found.exited:
        found.consume()
    elif child.tracer is not None and (child.parent is None or child.parent.group is not t.group):
        proc.release_traced_zombie(t.machine, child)  # the tracer's turn is over: now the parent's
    else:
        reap_zombie(t, child)


def child_usage(child: Task) -> bytes:
    """The rusage wait4 and waitid report of a zombie: its process's and its reaped children's (RUSAGE_BOTH)."""
    from syscalltbl.machine.syscalls.rusage import pack_rusage  # only for a wait given an rusage to fill

    usage = cputime.group_usage(child.group)
    usage.add(child.group.times.children)
    return pack_rusage(usage)


def reap_zombie(t: Task, child: Task) -> None:
    """wait_task_zombie's end: the child's times go to the waiter's process, and the zombie goes."""
    cputime.reaped(t.group, child.group)
    proc.reap(t.machine, child)
