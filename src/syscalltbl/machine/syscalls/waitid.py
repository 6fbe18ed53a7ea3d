"""waitid (kernel/exit.c): wait for a child by pid, process group or any, and say how it ended in a siginfo.

Beside wait4 (syscalls/process.py), with which it shares the choice of
children, what each has to report (an end, WSTOPPED's stop, WCONTINUED's
continue, a tracee's stop) and the reaping (do_wait, syscalls/childwait.py).
"""

from __future__ import annotations

import struct

from syscalltbl.machine.kernel.pidfd import pidfd_file
from syscalltbl.machine.kernel.pidns import pid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.childwait import WaitEvent, candidates, child_usage, find_event, report
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EAGAIN, ECHILD, EINVAL, Errno
from syscalltbl.machine.uapi.fcntl import O_NONBLOCK
from syscalltbl.machine.uapi.signal import SIGCHLD
from syscalltbl.machine.uapi.timers import P_ALL, P_PGID, P_PID, P_PIDFD, WEXITED, WNOWAIT, WSTOPPED
from syscalltbl.machine.uapi.wait import __WALL, __WCLONE, __WNOTHREAD, WCONTINUED, WNOHANG

WAITID_OPTIONS = WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL
#: What waitid writes of the siginfo: si_signo, si_errno, si_code, then si_pid, si_uid, si_status.
_HEAD = struct.Struct("<iii")
_CHLD = struct.Struct("<iIi")


def _select(t: Task, which: int, upid: int) -> tuple[int, bool]:
    """kernel_waitid's (which, id) checks: the pid or process group to match, as wait4 takes them, and
    whether the wait may not block (a pidfd opened PIDFD_NONBLOCK)."""
    if which == P_ALL:
        return -1, False
    if which == P_PID:
        if upid <= 0:
            raise Errno(EINVAL)
        return upid, False
    if which == P_PGID:
        if upid < 0:
            raise Errno(EINVAL)
        return -(upid or t.pgid), False
    if which == P_PIDFD:
        if upid < 0:
            raise Errno(EINVAL)
        inode, f = pidfd_file(t, upid)
        # A reaped process is no child any more: a pid no task has gives ECHILD below.
        return (pid_vnr(t, inode.task.pid) if inode.alive() else 0) or 0x7FFFFFFF, bool(f.flags & O_NONBLOCK)
    raise Errno(EINVAL)


def do_waitid(t: Task, which: int, upid: int, options: int) -> tuple[WaitEvent | None, bytes]:
    """What is reported (None: WNOHANG and nothing yet) and the siginfo fields waitid writes."""
    options &= 0xFFFFFFFF
    if options & ~WAITID_OPTIONS or not options & (WEXITED | WSTOPPED | WCONTINUED):
        raise Errno(EINVAL)
    pid, nonblock = _select(t, which, upid)
    blocking = not options & WNOHANG
    if nonblock:
        options |= WNOHANG

    if not candidates(t, pid, options):
        raise Errno(ECHILD)
    found = find_event(t, pid, options)
    if found is None:
        if options & WNOHANG:
            if blocking:
                raise Errno(EAGAIN)  # the pidfd's O_NONBLOCK, not the caller's WNOHANG
            return None, _HEAD.pack(0, 0, 0) + bytes(4) + _CHLD.pack(0, 0, 0)
        raise Sleep(lambda: not candidates(t, pid, options) or find_event(t, pid, options) is not None)
    info = _HEAD.pack(SIGCHLD, 0, found.code) + bytes(4) + _CHLD.pack(pid_vnr(t, found.child.tid), found.child.cred.uid,
                                                                        found.status)
    return found, info


@syscall("sys_waitid")
def sys_waitid(t: Task, which: int, upid: int, infop: int, options: int, ru: int, *_: int) -> int:
    try:
        found, info = do_waitid(t, which, upid, options)
    except Errno as exc:
        if infop:
            copy_to_user(t.mm, infop, _HEAD.pack(0, 0, 0) + bytes(4) + _CHLD.pack(0, 0, 0))  # as Linux writes it
        raise exc from None
    usage = child_usage(found.child) if found is not None and ru else b""
    if found is not None:
        report(t, found, options)  # before the copies, which may fault: the child is gone then, as on Linux
    if usage:
        copy_to_user(t.mm, ru, usage)
    if infop:
        copy_to_user(t.mm, infop, info)
    return 0
