"""perf_event_open and the perf event descriptor's ioctls (kernel/events/core.c), for software events that
count one task (kernel/perf_event.py).

The machine has no hardware PMU it could count truthfully (the emulated cpu
counts no instructions, cache misses or branches): PERF_TYPE_HARDWARE,
HW_CACHE and RAW are ENOENT, as on a Linux box with no PMU (a VM's). No
tracefs: tracepoints are ENOENT; breakpoints, too (no debug registers).
Sampling (a sample period or frequency, a ring buffer to mmap) and
cpu-wide events are EOPNOTSUPP; inherit and enable_on_exec too.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.perf_event import PerfEvent
from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.ptrace_access import ptrace_may_access
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_PERFMON, CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import E2BIG, EACCES, EBADF, EINVAL, ENOENT, EOPNOTSUPP, ESRCH, Errno
from syscalltbl.machine.uapi.fcntl import O_RDWR
from syscalltbl.machine.uapi.perf_event import (
    ATTR_DISABLED,
    ATTR_ENABLE_ON_EXEC,
    ATTR_EXCLUDE_KERNEL,
    ATTR_EXCLUDE_USER,
    ATTR_FREQ,
    ATTR_INHERIT,
    ATTR_RESERVED,
    PERF_ATTR_SIZE_VER0,
    PERF_ATTR_SIZE_VER8,
    PERF_ATTR_VER0,
    PERF_COUNT_SW_MAX,
    PERF_FLAG_ALL,
    PERF_FLAG_FD_CLOEXEC,
    PERF_FLAG_FD_NO_GROUP,
    PERF_FLAG_FD_OUTPUT,
    PERF_FLAG_PID_CGROUP,
    PERF_FORMAT_MAX,
    PERF_TYPE_SOFTWARE,
)

PAGE_SIZE = 4096
#: PERF_SAMPLE_MAX: sample_type bits past it are EINVAL.
_SAMPLE_MAX = 1 << 25


def _copy_attr(t: Task, uattr: int) -> bytes:
    """perf_copy_attr: the attr at its size (0: VER0), zero-extended to the layout known here; E2BIG for a
    size out of range or bytes set past the known layout, and then the known size is written back."""
    size = int.from_bytes(copy_from_user(t.mm, uattr + 4, 4), "little")
    if size == 0:
        size = PERF_ATTR_SIZE_VER0
    if size < PERF_ATTR_SIZE_VER0 or size > PAGE_SIZE:
        copy_to_user(t.mm, uattr + 4, PERF_ATTR_SIZE_VER8.to_bytes(4, "little"))
        raise Errno(E2BIG)
    raw = copy_from_user(t.mm, uattr, size)
    if any(raw[PERF_ATTR_SIZE_VER8:]):
        copy_to_user(t.mm, uattr + 4, PERF_ATTR_SIZE_VER8.to_bytes(4, "little"))
        raise Errno(E2BIG)
    return raw[:PERF_ATTR_SIZE_VER8].ljust(PERF_ATTR_SIZE_VER8, b"\0")


def _perfmon(t: Task) -> bool:
    return t.cred.capable(CAP_PERFMON) or t.cred.capable(CAP_SYS_ADMIN)


def _group_leader(t: Task, group_fd: int) -> PerfEvent | None:
    if group_fd == -1:
        return None
    f = t.files.get(group_fd)
    if not isinstance(f.inode, PerfEvent):
        raise Errno(EBADF)  # perf_fget_light: not a perf event's file
    if f.inode.leader is not f.inode:
        raise Errno(EINVAL)  # a group_fd must name a group's leader
    return f.inode


@syscall("sys_perf_event_open")
def sys_perf_event_open(t: Task, uattr: int, pid: int, cpu: int, group_fd: int, flags: int, *_: int) -> int:
    pid, cpu, group_fd = s32(pid), s32(cpu), s32(group_fd)
    if flags & ~PERF_FLAG_ALL:
        raise Errno(EINVAL)
    raw = _copy_attr(t, uattr)
    (kind, _size, config, sample_period, sample_type, read_format, bits, _wakeup, _bp_type,
     _config1) = PERF_ATTR_VER0.unpack_from(raw)
    if bits & ATTR_RESERVED or sample_type & ~(_SAMPLE_MAX - 1) or read_format & ~(PERF_FORMAT_MAX - 1):
        raise Errno(EINVAL)
    if not bits & ATTR_EXCLUDE_KERNEL and t.machine.sysctl.fdkinds.perf_event_paranoid > 1 and not _perfmon(t):
        raise Errno(EACCES)  # perf_allow_kernel
    if not bits & ATTR_FREQ and sample_period >> 63:
        raise Errno(EINVAL)
    if flags & PERF_FLAG_PID_CGROUP:
        raise Errno(EBADF)  # pid would be a cgroup directory's descriptor, and the machine has no cgroupfs
    if pid == -1 or cpu < -1:
        raise Errno(EINVAL)  # a cpu-wide event with no cpu, or no cpu at all
    if cpu > 0:
        raise Errno(EINVAL)  # cpu >= nr_cpu_ids: the machine has cpu 0 alone
    leader = _group_leader(t, group_fd) if not flags & PERF_FLAG_FD_NO_GROUP else None
    if flags & PERF_FLAG_FD_OUTPUT:
        raise Errno(EINVAL)  # perf_event_open has refused it since 2.6.35
    target = t if pid == 0 else find_task_vpid(t, s32(pid))
    if target is None or target.status is not None:
        raise Errno(ESRCH)
    if kind != PERF_TYPE_SOFTWARE:
        raise Errno(ENOENT)  # no PMU of that type (perf_init_event)
    if config >= PERF_COUNT_SW_MAX:
        raise Errno(ENOENT)
    if sample_period or bits & (ATTR_INHERIT | ATTR_ENABLE_ON_EXEC):
        raise Errno(EOPNOTSUPP)  # the machine counts; it does not sample, follow children or wait for exec
    if leader is not None and leader.times is not target.times:
        raise Errno(EINVAL)  # a group's events are all on one task
    if target is not t and not ptrace_may_access(t, target):
        raise Errno(EACCES)  # PTRACE_MODE_READ_REALCREDS
    event = PerfEvent(config, read_format, target.times, enabled=not bits & ATTR_DISABLED, leader=leader,
                      count_user=not bits & ATTR_EXCLUDE_USER and not bits & ATTR_EXCLUDE_KERNEL)
    f = OpenFile(event, O_RDWR, b"anon_inode:[perf_event]")
    try:
        return t.files.install(f, cloexec=bool(flags & PERF_FLAG_FD_CLOEXEC), limit=t.nofile())
    except Errno:
        event.release(f)
        raise

