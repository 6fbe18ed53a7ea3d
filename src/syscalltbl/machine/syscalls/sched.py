"""CPU affinity, scheduling policy queries and membarrier (kernel/sched/core.c, syscalls.c, membarrier.c).

The machine has one CPU: every task's affinity mask is CPU 0 and a set
that does not include it is refused. Scheduling policies and priorities
are syscalls/sched_policy.py's.
membarrier keeps Linux's per-address-space registration protocol, but with
one CPU there is never another CPU to interrupt, so a barrier that may run
only returns. The machine has no rseq (it is ENOSYS, as with CONFIG_RSEQ
off), so the RSEQ commands are refused as such a kernel refuses them.
"""

from __future__ import annotations

import weakref

from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.membarrier import (
    MEMBARRIER_CMD_FLAG_CPU,
    MEMBARRIER_CMD_GET_REGISTRATIONS,
    MEMBARRIER_CMD_GLOBAL,
    MEMBARRIER_CMD_GLOBAL_EXPEDITED,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
    MEMBARRIER_CMD_QUERY,
    MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
    MEMBARRIER_STATE_GLOBAL_EXPEDITED,
    MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY,
    MEMBARRIER_STATE_PRIVATE_EXPEDITED,
    MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY,
    MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE,
    MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY,
)
from syscalltbl.machine.uapi.schedpolicy import (
    CPUMASK_SIZE,
    MAX_RT_PRIO,
    NR_CPU_IDS,
    SCHED_BATCH,
    SCHED_DEADLINE,
    SCHED_FIFO,
    SCHED_IDLE,
    SCHED_NORMAL,
    SCHED_RR,
)

LONG_SIZE = 8
ONLY_CPU0 = (1).to_bytes(CPUMASK_SIZE, "little")

# What QUERY answers: every command this kernel has (no RSEQ ones, see the module's docstring).
MEMBARRIER_COMMANDS = (
    MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED
    | MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED
    | MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE
    | MEMBARRIER_CMD_GET_REGISTRATIONS
)  # fmt: skip
# membarrier_get_registrations: which states stand for which registration.
_REGISTRATIONS = (
    (MEMBARRIER_STATE_GLOBAL_EXPEDITED | MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY,
     MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED),
    (MEMBARRIER_STATE_PRIVATE_EXPEDITED | MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY,
     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED),
    (MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY,
     MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE),
)  # fmt: skip

# mm->membarrier_state: an address space's registrations, gone with it (execve makes a new one).
_membarrier_state: weakref.WeakKeyDictionary[Mm, int] = weakref.WeakKeyDictionary()


def _target(t: Task, pid: int) -> Task:
    """find_process_by_pid: the caller for 0, else the task with that id, a zombie until it is reaped."""
    pid = s32(pid)
    if pid == 0:
        return t
    found = find_task_vpid(t, pid)
    if found is None:
        raise Errno(ESRCH)
    return found


@syscall("sys_sched_getaffinity")
def sys_sched_getaffinity(t: Task, pid: int, length: int, user_mask_ptr: int, *_: int) -> int:
    length &= 0xFFFFFFFF  # unsigned int
    if length * 8 < NR_CPU_IDS or length & (LONG_SIZE - 1):
        raise Errno(EINVAL)
    _target(t, pid)
    size = min(length, CPUMASK_SIZE)
    copy_to_user(t.mm, user_mask_ptr, ONLY_CPU0[:size])
    return size  # the raw call answers the bytes written; glibc's wrapper turns it into 0


@syscall("sys_sched_setaffinity")
def sys_sched_setaffinity(t: Task, pid: int, length: int, user_mask_ptr: int, *_: int) -> int:
    length &= 0xFFFFFFFF  # unsigned int
    # get_user_cpu_mask: a short mask is zero-extended, a long one cut to cpumask_size().
    wanted = int.from_bytes(copy_from_user(t.mm, user_mask_ptr, min(length, CPUMASK_SIZE)), "little")
    target = _target(t, pid)
    if t.cred.euid not in (0, target.cred.uid, target.cred.euid):
        raise Errno(EPERM)  # check_same_owner, without CAP_SYS_NICE
    if not wanted & 1:
        raise Errno(EINVAL)  # no CPU of the set is online
    return 0


@syscall("sys_sched_get_priority_max")
def sys_sched_get_priority_max(_t: Task, policy: int, *_: int) -> int:
    policy = s32(policy)
    if policy in (SCHED_FIFO, SCHED_RR):
        return MAX_RT_PRIO - 1
    if policy in (SCHED_DEADLINE, SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE):
        return 0
    raise Errno(EINVAL)


@syscall("sys_sched_get_priority_min")
def sys_sched_get_priority_min(_t: Task, policy: int, *_: int) -> int:
    policy = s32(policy)
    if policy in (SCHED_FIFO, SCHED_RR):
        return 1
    if policy in (SCHED_DEADLINE, SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE):
        return 0
    raise Errno(EINVAL)


@syscall("sys_membarrier")
def sys_membarrier(t: Task, cmd: int, flags: int, *_: int) -> int:
    cmd, flags = s32(cmd), flags & 0xFFFFFFFF
    allowed = MEMBARRIER_CMD_FLAG_CPU if cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ else 0
    if flags & ~allowed:
        raise Errno(EINVAL)
    state = _membarrier_state.get(t.mm, 0)
    if cmd == MEMBARRIER_CMD_QUERY:
        return MEMBARRIER_COMMANDS
    if cmd in (MEMBARRIER_CMD_GLOBAL, MEMBARRIER_CMD_GLOBAL_EXPEDITED):
        return 0  # one CPU: nothing else runs that a barrier would have to reach
    if cmd == MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
        _membarrier_state[t.mm] = state | MEMBARRIER_STATE_GLOBAL_EXPEDITED | MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY
        return 0
    if cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED:
        if not state & MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY:
            raise Errno(EPERM)
        return 0
    if cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
        if not state & MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY:
            raise Errno(EPERM)
        return 0  # the return to user mode is itself serializing
    if cmd == MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
        _membarrier_state[t.mm] = state | MEMBARRIER_STATE_PRIVATE_EXPEDITED | MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY
        return 0
    if cmd == MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
        # As Linux: the plain private registration's state is set too, but not its READY bit.
        _membarrier_state[t.mm] = (state | MEMBARRIER_STATE_PRIVATE_EXPEDITED
                                   | MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE
                                   | MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY)
        return 0
    if cmd == MEMBARRIER_CMD_GET_REGISTRATIONS:
        return sum(command for states, command in _REGISTRATIONS if state & states)
    raise Errno(EINVAL)  # the two RSEQ commands (no rseq here) and unknown ones
