"""setpgid and setsid (kernel/sys.c): moving a process to another process group, or to a session of its own.

A child may be moved by its parent only until it execs (PF_FORKNOEXEC):
the groups whose process has exec'd since it was forked are remembered
here, by the exec system call.
"""

from __future__ import annotations

import weakref

from syscalltbl.machine.kernel.pidns import find_task_vpid, find_vpid, tgid_vnr
from syscalltbl.machine.kernel.process import Task, ThreadGroup
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EACCES, EINVAL, EPERM, ESRCH, Errno

_execed: weakref.WeakSet[ThreadGroup] = weakref.WeakSet()


def exec_done(t: Task) -> None:
    """`t`'s process ran execve: its parent may no longer change its process group."""
    _execed.add(t.group)


def _group_exists(t: Task, pgid: int) -> Task | None:
    """A task of process group `pgid` (pid_task(PIDTYPE_PGID)): zombies count until reaped."""
    return next((x for x in t.machine.tasks.values() if x.pgid == pgid), None)


@syscall("sys_setpgid")
def sys_setpgid(t: Task, pid: int, pgid: int, *_: int) -> int:
    # Both numbers are the caller's pid namespace's.
    pid = pid or tgid_vnr(t)
    pgid = pgid or pid
    if pgid < 0:
        raise Errno(EINVAL)
    target = find_task_vpid(t, pid)
    if target is None:
        raise Errno(ESRCH)
    if not target.is_leader:
        raise Errno(EINVAL)
    if target.parent is not None and target.parent.group is t.group:
        if target.sid != t.sid:
            raise Errno(EPERM)  # a child in another session
        if target.group in _execed:
            raise Errno(EACCES)  # it has exec'd since the fork
    elif target.group is not t.group:
        raise Errno(ESRCH)  # neither the caller nor one of its children
    if target.sid == target.pid:
        raise Errno(EPERM)  # a session leader stays in its own group
    group_id = target.pid
    if pgid != pid:
        group_id = find_vpid(t, pgid)
        member = _group_exists(t, group_id) if group_id else None
        if member is None or member.sid != t.sid:
            raise Errno(EPERM)  # no such group in the caller's session
    target.pgid = group_id
    return 0


@syscall("sys_setsid")
def sys_setsid(t: Task, *_: int) -> int:
    pid = t.group.leader.pid
    if t.sid == pid or _group_exists(t, pid) is not None:
        raise Errno(EPERM)  # already a session leader, or a process group has this pid for its id
    t.sid = t.pgid = pid
    return tgid_vnr(t)
