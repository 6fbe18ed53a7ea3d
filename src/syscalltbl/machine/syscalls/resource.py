"""Resource limits (kernel/sys.c).

Limits are kept and reported per process, inherited on fork and kept
across execve. The machine enforces RLIMIT_NOFILE (each new descriptor,
EMFILE) and RLIMIT_NPROC (fork, EAGAIN, for users but root); their defaults
and ceilings are the machine's limits (kernel/limits.py).
"""

from __future__ import annotations

from syscalltbl.machine.kernel.limits import Limits
from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.rlimit_cpu import update_rlimit_cpu
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_RESOURCE
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.mqueue import MQ_BYTES_MAX
from syscalltbl.machine.uapi.resource import (
    RLIM_INFINITY,
    RLIM_NLIMITS,
    RLIMIT_CORE,
    RLIMIT_CPU,
    RLIMIT_MEMLOCK,
    RLIMIT_MSGQUEUE,
    RLIMIT_NICE,
    RLIMIT_NOFILE,
    RLIMIT_NPROC,
    RLIMIT_RTPRIO,
    RLIMIT_SIGPENDING,
    RLIMIT_STACK,
)
from syscalltbl.machine.uapi.structs import RLIMIT

#: include/asm-generic/resource.h: MLOCK_LIMIT (8 MiB); MQ_BYTES_MAX is uapi/mqueue.py's.
MLOCK_LIMIT = 8 << 20


def default_limits(machine: Limits) -> list[tuple[int, int]]:
    """What init starts with on a default Linux boot (include/asm-generic/resource.h), on this machine."""
    limits = [(RLIM_INFINITY, RLIM_INFINITY)] * RLIM_NLIMITS
    limits[RLIMIT_STACK] = (8 << 20, RLIM_INFINITY)
    limits[RLIMIT_CORE] = (0, RLIM_INFINITY)
    limits[RLIMIT_NOFILE] = machine.nofile
    limits[RLIMIT_NPROC] = (machine.nproc, machine.nproc)
    limits[RLIMIT_SIGPENDING] = (machine.nproc, machine.nproc)  # set_max_threads sets both alike
    limits[RLIMIT_MEMLOCK] = (MLOCK_LIMIT, MLOCK_LIMIT)
    limits[RLIMIT_MSGQUEUE] = (MQ_BYTES_MAX, MQ_BYTES_MAX)
    limits[RLIMIT_NICE] = limits[RLIMIT_RTPRIO] = (0, 0)  # no raised priority without CAP_SYS_NICE
    return limits


def _limits(t: Task) -> list[tuple[int, int]]:
    if t.rlimits is None:
        t.rlimits = default_limits(t.machine.limits)
    return t.rlimits


def _prlimit(t: Task, pid: int, resource: int, new: int, old: int) -> int:
    if resource >= RLIM_NLIMITS:
        raise Errno(EINVAL)
    target = t if pid == 0 else find_task_vpid(t, pid)
    if target is None or target.status is not None:
        raise Errno(ESRCH)
    limits = _limits(target)
    previous = limits[resource]
    if new:
        soft, hard = RLIMIT.unpack(copy_from_user(t.mm, new, RLIMIT.size))
        if soft > hard:
            raise Errno(EINVAL)
        if resource == RLIMIT_NOFILE and hard > t.machine.sysctl.nr_open:
            raise Errno(EPERM)  # above fs.nr_open
        if hard > previous[1] and not t.cred.capable(CAP_SYS_RESOURCE):
            raise Errno(EPERM)  # only CAP_SYS_RESOURCE raises a hard limit
        limits[resource] = (soft, hard)
        if resource == RLIMIT_CPU:
            update_rlimit_cpu(target)
    if old:
        copy_to_user(t.mm, old, RLIMIT.pack(*previous))  # EFAULT here leaves the new limit set, as do_prlimit does
    return 0


@syscall("sys_prlimit64")
def sys_prlimit64(t: Task, pid: int, resource: int, new: int, old: int, *_: int) -> int:
    if pid < 0:
        raise Errno(EINVAL)
    return _prlimit(t, pid, resource, new, old)


@syscall("sys_getrlimit")
def sys_getrlimit(t: Task, resource: int, rlim: int, *_: int) -> int:
    return _prlimit(t, 0, resource, 0, rlim)


@syscall("sys_setrlimit")
def sys_setrlimit(t: Task, resource: int, rlim: int, *_: int) -> int:
    return _prlimit(t, 0, resource, rlim, 0)
