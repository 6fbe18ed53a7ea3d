"""Scheduling policies: sched_setscheduler, sched_setparam, sched_getscheduler, sched_getparam, sched_setattr
and sched_getattr (kernel/sched/syscalls.c).

A task's policy and real-time priority are its own (fork copies them, but
SCHED_RESET_ON_FORK gives the child a plain policy), and the scheduler runs
real-time tasks first (kernel/rtsched.py). A fair policy's weight is the
task's nice value, as setpriority sets it. SCHED_DEADLINE is set with
sched_setattr only (its runtime, deadline and period), admitted and
scheduled as kernel/dlsched.py says. sched_getattr shows no fair slice
(sched_runtime 0 for the fair policies).
"""

from __future__ import annotations

import struct

from syscalltbl.machine.kernel import dlsched
from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.rtsched import RT_POLICIES
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_NICE
from syscalltbl.machine.uapi.errno import E2BIG, EBUSY, EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.resource import RLIMIT_NICE, RLIMIT_RTPRIO
from syscalltbl.machine.uapi.schedattr import (
    SCHED_ATTR_SIZE_VER0,
    SCHED_ATTR_SIZE_VER1,
    SCHED_FLAG_ALL,
    SCHED_FLAG_DL_OVERRUN,
    SCHED_FLAG_KEEP_PARAMS,
    SCHED_FLAG_KEEP_POLICY,
    SCHED_FLAG_RECLAIM,
    SCHED_FLAG_RESET_ON_FORK,
    SCHED_FLAG_UTIL_CLAMP_MAX,
    SCHED_FLAG_UTIL_CLAMP_MIN,
)
from syscalltbl.machine.uapi.schedpolicy import (
    MAX_RT_PRIO,
    SCHED_BATCH,
    SCHED_DEADLINE,
    SCHED_IDLE,
    SCHED_NORMAL,
    SCHED_RESET_ON_FORK,
)

PAGE = 4096
SETPARAM_POLICY = -1  # sched_setparam: keep the policy
#: struct sched_attr (VER1, 56 bytes): size, policy, flags, nice, priority, runtime, deadline, period,
#: util_min, util_max.
SCHED_ATTR = struct.Struct("<IIQiIQQQII")
SCHED_PARAM = struct.Struct("<i")
FAIR_POLICIES = frozenset({SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE})
#: What the machine schedules: the fair ones, the real-time ones and SCHED_DEADLINE.
POLICIES = FAIR_POLICIES | RT_POLICIES | {SCHED_DEADLINE}
#: sched_setattr's flags a deadline task keeps (SCHED_DL_FLAGS), which sched_getattr shows.
DL_FLAGS = SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN


def find_process(t: Task, pid: int) -> Task:
    """find_process_by_pid: the caller for 0, else that task (a zombie too); ESRCH for none."""
    if pid == 0:
        return t
    found = find_task_vpid(t, pid)
    if found is None:
        raise Errno(ESRCH)
    return found


def _rlimit(task: Task, resource: int) -> int:
    return task.rlimits[resource][0] if task.rlimits is not None else 0  # RLIMIT_RTPRIO and NICE default 0


def _may(t: Task, p: Task, policy: int, priority: int, nice: int, reset_on_fork: bool) -> None:
    """user_check_sched_setscheduler: what a caller without CAP_SYS_NICE may not do (EPERM)."""
    if t.cred.capable(CAP_SYS_NICE):
        return
    if policy in FAIR_POLICIES and nice < p.nice and 20 - nice > _rlimit(p, RLIMIT_NICE):
        raise Errno(EPERM)  # a lower nice value than the task has, beyond RLIMIT_NICE
    if policy == SCHED_DEADLINE:
        raise Errno(EPERM)  # no deadline policy without CAP_SYS_NICE
    if policy in RT_POLICIES:
        rtprio = _rlimit(p, RLIMIT_RTPRIO)
        if policy != p.policy and not rtprio:
            raise Errno(EPERM)
        if priority > p.rt_priority and priority > rtprio:
            raise Errno(EPERM)
    if p.policy == SCHED_IDLE and policy != SCHED_IDLE and 20 - p.nice > _rlimit(p, RLIMIT_NICE):
        raise Errno(EPERM)
    c, pc = t.cred, p.cred
    if c.euid not in (pc.euid, pc.uid):
        raise Errno(EPERM)  # check_same_owner
    if p.sched_reset_on_fork and not reset_on_fork:
        raise Errno(EPERM)


def do_setscheduler(t: Task, p: Task, policy: int, priority: int, nice: int | None, flags: int,
                    dl: tuple[int, int, int] = (0, 0, 0)) -> None:
    """__sched_setscheduler: check the policy, the priority and the caller's rights, then set them;
    `dl` is a deadline policy's (runtime, deadline, period)."""
    if policy < 0:
        policy, reset_on_fork = p.policy, p.sched_reset_on_fork
    else:
        reset_on_fork = bool(flags & SCHED_FLAG_RESET_ON_FORK)
        if policy not in POLICIES:
            raise Errno(EINVAL)
    if flags & ~SCHED_FLAG_ALL:
        raise Errno(EINVAL)
    if priority > MAX_RT_PRIO - 1 or (policy in RT_POLICIES) != (priority != 0):
        raise Errno(EINVAL)
    if policy == SCHED_DEADLINE and not dlsched.valid_params(*dl):
        raise Errno(EINVAL)  # __checkparam_dl
    new_nice = p.nice if nice is None else nice
    _may(t, p, policy, priority, new_nice, reset_on_fork)
    if policy == SCHED_DEADLINE and not dlsched.admits(p, dl[0], dl[2] or dl[1]):
        raise Errno(EBUSY)  # sched_dl_overflow: past the cpu's deadline bandwidth
    p.policy, p.rt_priority, p.sched_reset_on_fork = policy, priority, reset_on_fork
    if policy == SCHED_DEADLINE:
        dlsched.set_params(p, *dl, flags & DL_FLAGS)
    else:
        dlsched.forget(p)
    if policy in FAIR_POLICIES:
        p.nice = new_nice


def _setscheduler(t: Task, pid: int, policy: int, param: int) -> int:
    """do_sched_setscheduler."""
    if not param or pid < 0:
        raise Errno(EINVAL)
    (priority,) = SCHED_PARAM.unpack(copy_from_user(t.mm, param, SCHED_PARAM.size))
    p = find_process(t, pid)
    flags = 0
    if policy >= 0 and policy & SCHED_RESET_ON_FORK:
        policy &= ~SCHED_RESET_ON_FORK
        flags = SCHED_FLAG_RESET_ON_FORK
    do_setscheduler(t, p, policy, priority, None, flags)
    return 0


@syscall("sys_sched_setscheduler")
def sys_sched_setscheduler(t: Task, pid: int, policy: int, param: int, *_: int) -> int:
    if s32(policy) < 0:
        raise Errno(EINVAL)
    return _setscheduler(t, s32(pid), s32(policy), param)


@syscall("sys_sched_setparam")
def sys_sched_setparam(t: Task, pid: int, param: int, *_: int) -> int:
    return _setscheduler(t, s32(pid), SETPARAM_POLICY, param)


@syscall("sys_sched_getscheduler")
def sys_sched_getscheduler(t: Task, pid: int, *_: int) -> int:
    if s32(pid) < 0:
        raise Errno(EINVAL)
    p = find_process(t, s32(pid))
    return p.policy | (SCHED_RESET_ON_FORK if p.sched_reset_on_fork else 0)


@syscall("sys_sched_getparam")
def sys_sched_getparam(t: Task, pid: int, param: int, *_: int) -> int:
    if not param or s32(pid) < 0:
        raise Errno(EINVAL)
    p = find_process(t, s32(pid))
    copy_to_user(t.mm, param, SCHED_PARAM.pack(p.rt_priority if p.policy in RT_POLICIES else 0))
    return 0


def _copy_attr(t: Task, uattr: int) -> tuple[int, ...]:
    """sched_copy_attr: the struct as long as its size says (0: VER0), E2BIG (the size written back) for a
    size out of range or nonzero bytes past what the kernel knows."""
    (size,) = struct.unpack("<I", copy_from_user(t.mm, uattr, 4))
    size = size or SCHED_ATTR_SIZE_VER0
    if not SCHED_ATTR_SIZE_VER0 <= size <= PAGE:
        copy_to_user(t.mm, uattr, struct.pack("<I", SCHED_ATTR.size))
        raise Errno(E2BIG)
    raw = copy_from_user(t.mm, uattr, size)
    if any(raw[SCHED_ATTR.size :]):
        copy_to_user(t.mm, uattr, struct.pack("<I", SCHED_ATTR.size))
        raise Errno(E2BIG)
    fields = SCHED_ATTR.unpack(raw[: SCHED_ATTR.size].ljust(SCHED_ATTR.size, b"\0"))
    if fields[2] & (SCHED_FLAG_UTIL_CLAMP_MIN | SCHED_FLAG_UTIL_CLAMP_MAX) and size < SCHED_ATTR_SIZE_VER1:
        raise Errno(EINVAL)
    return fields


@syscall("sys_sched_setattr")
def sys_sched_setattr(t: Task, pid: int, uattr: int, flags: int, *_: int) -> int:
    pid = s32(pid)
    if not uattr or pid < 0 or flags & 0xFFFFFFFF:
        raise Errno(EINVAL)
    _size, policy, sched_flags, nice, priority, runtime, deadline, period, *_rest = _copy_attr(t, uattr)
    nice = max(-20, min(19, s32(nice)))
    if s32(policy) < 0:
        raise Errno(EINVAL)
    if sched_flags & SCHED_FLAG_KEEP_POLICY:
        policy = SETPARAM_POLICY
    p = find_process(t, pid)
    if sched_flags & SCHED_FLAG_KEEP_PARAMS:
        priority, nice = (p.rt_priority, p.nice) if p.policy in RT_POLICIES else (0, p.nice)
        if (e := dlsched.entity(p)) is not None:
            runtime, deadline, period = e.runtime, e.deadline, e.period
    target = p.policy if s32(policy) < 0 else s32(policy)
    dl = (runtime, deadline, period) if target == SCHED_DEADLINE else (0, 0, 0)
    do_setscheduler(t, p, s32(policy), priority, nice, sched_flags, dl)
    return 0


@syscall("sys_sched_getattr")
def sys_sched_getattr(t: Task, pid: int, uattr: int, usize: int, flags: int, *_: int) -> int:
    pid, usize = s32(pid), usize & 0xFFFFFFFF
    if not uattr or pid < 0 or usize > PAGE or usize < SCHED_ATTR_SIZE_VER0 or flags & 0xFFFFFFFF:
        raise Errno(EINVAL)
    p = find_process(t, pid)
    rt = p.policy in RT_POLICIES
    sched_flags = SCHED_FLAG_RESET_ON_FORK if p.sched_reset_on_fork else 0
    size = min(usize, SCHED_ATTR.size)
    dl = dlsched.entity(p)
    params = (0, 0, 0) if dl is None else (dl.runtime, dl.deadline, dl.period)  # __getparam_dl
    if dl is not None:
        sched_flags |= dl.flags
    nice = 0 if rt or dl is not None else p.nice
    attr = SCHED_ATTR.pack(size, p.policy, sched_flags, nice, p.rt_priority if rt else 0,
                           *params, 0, 0)  # no uclamp (CONFIG_UCLAMP_TASK off): its clamps read 0
    copy_to_user(t.mm, uattr, attr[:size])
    return 0
