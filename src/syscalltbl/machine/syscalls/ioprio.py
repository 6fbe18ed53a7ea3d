"""ioprio_get and ioprio_set (block/ioprio.c): each task's I/O priority, kept and inherited.

The machine has no block device to schedule, so a priority changes no I/O
order; it is checked, kept per task (fork copies it, as copy_io does) and
read back as Linux keeps it, for a process, a process group or a user.
"""

from __future__ import annotations

from collections.abc import Iterable

from syscalltbl.machine.kernel.pidns import find_task_vpid, find_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN, CAP_SYS_NICE
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.ioprio import (
    IOPRIO_BE_NORM,
    IOPRIO_CLASS_BE,
    IOPRIO_CLASS_IDLE,
    IOPRIO_CLASS_MASK,
    IOPRIO_CLASS_NONE,
    IOPRIO_CLASS_RT,
    IOPRIO_CLASS_SHIFT,
    IOPRIO_LEVEL_MASK,
    IOPRIO_NR_LEVELS,
    IOPRIO_WHO_PGRP,
    IOPRIO_WHO_PROCESS,
    IOPRIO_WHO_USER,
)


def ioprio_check_cap(t: Task, ioprio: int) -> None:
    """ioprio_check_cap: a known class, a level below 8 (none for CLASS_NONE); RT needs CAP_SYS_NICE or ADMIN."""
    klass = (ioprio >> IOPRIO_CLASS_SHIFT) & IOPRIO_CLASS_MASK
    level = ioprio & IOPRIO_LEVEL_MASK
    if klass == IOPRIO_CLASS_RT:
        if not t.cred.capable(CAP_SYS_NICE) and not t.cred.capable(CAP_SYS_ADMIN):
            raise Errno(EPERM)
        if level >= IOPRIO_NR_LEVELS:
            raise Errno(EINVAL)
    elif klass == IOPRIO_CLASS_BE:
        if level >= IOPRIO_NR_LEVELS:
            raise Errno(EINVAL)
    elif klass == IOPRIO_CLASS_NONE:
        if level:
            raise Errno(EINVAL)
    elif klass != IOPRIO_CLASS_IDLE:
        raise Errno(EINVAL)


def _targets(t: Task, which: int, who: int) -> Iterable[Task]:
    """The tasks `which` and `who` name: one process, a process group's members, a user's tasks."""
    tasks = t.machine.tasks
    live = [x for x in tasks.values() if x.status is None]
    if which == IOPRIO_WHO_PROCESS:
        found = t if who == 0 else find_task_vpid(t, who)
        return [found] if found is not None else []
    if which == IOPRIO_WHO_PGRP:
        pgid = t.pgid if who == 0 else find_vpid(t, who)
        return [x for x in live if pgid and x.pgid == pgid]
    if which == IOPRIO_WHO_USER:
        uid = t.cred.uid if who == 0 else who & 0xFFFFFFFF
        return [x for x in live if x.cred.uid == uid]
    raise Errno(EINVAL)


def _set_task_ioprio(t: Task, task: Task, ioprio: int) -> None:
    """set_task_ioprio: one's own tasks (by real or effective uid), or anyone's with CAP_SYS_NICE."""
    c = t.cred
    if task.cred.uid not in (c.euid, c.uid) and not c.capable(CAP_SYS_NICE):
        raise Errno(EPERM)
    task.io.ioprio = ioprio  # the whole io_context's: CLONE_IO sharers too


@syscall("sys_ioprio_set")
def sys_ioprio_set(t: Task, which: int, who: int, ioprio: int, *_: int) -> int:
    which, who, ioprio = s32(which), s32(who), s32(ioprio)
    ioprio_check_cap(t, ioprio)
    found = False
    for task in _targets(t, which, who):
        found = True
        _set_task_ioprio(t, task, ioprio)
    if not found:
        raise Errno(ESRCH)
    return 0


@syscall("sys_ioprio_get")
def sys_ioprio_get(t: Task, which: int, who: int, *_: int) -> int:
    which, who = s32(which), s32(who)
    prios = [task.io.ioprio for task in _targets(t, which, who)]
    if not prios:
        raise Errno(ESRCH)
    best = prios[0]  # one task's as it is; more are compared by ioprio_best
    for prio in prios[1:]:
        best = min(_normal(best), _normal(prio))
    return best


def _normal(ioprio: int) -> int:
    """ioprio_best's view of a priority: one of no class counts as best-effort at the normal level."""
    if (ioprio >> IOPRIO_CLASS_SHIFT) & IOPRIO_CLASS_MASK == IOPRIO_CLASS_NONE:
        return IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT | IOPRIO_BE_NORM
    return ioprio
