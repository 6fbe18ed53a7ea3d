"""getrusage and times (kernel/sys.c): what a process, its reaped children or a thread used.

The times are the machine's own accounting (kernel/cputime.py): cpu time
of the emulation, system time being the time in system calls. maxrss is
the resident memory in KiB (the largest a process left at its end, or its
memory now), minflt the page faults this machine served, nvcsw and nivcsw
the times a task slept in a call or was preempted. Nothing here reads a
disk or swaps: majflt, inblock, oublock and nswap are 0, as are the
fields Linux leaves 0.
"""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.paging import PTE_P
from syscalltbl.machine.kernel import cputime
from syscalltbl.machine.kernel.cputime import Usage
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.procfs import boottime_ns
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.time import CLK_TCK, NSEC_PER_SEC
from syscalltbl.machine.uapi.timers import RUSAGE, RUSAGE_CHILDREN, RUSAGE_SELF, RUSAGE_THREAD, TMS

#: Debian's CONFIG_HZ, and jiffies' start 300 s before wrapping its low 32 bits (INITIAL_JIFFIES).
HZ = 250
INITIAL_JIFFIES = (1 << 32) - 300 * HZ


def resident_kib(t: Task) -> int:
    """The memory the task's address space holds resident now, KiB."""
    if t.status is not None:
        return 0
    return sum(1 for _, entry in t.mm.user_leaves() if entry & PTE_P) * PAGE_SIZE // 1024


def usage_of(t: Task, who: int) -> Usage:
    """getrusage's who: RUSAGE_SELF, RUSAGE_CHILDREN (reaped ones), RUSAGE_THREAD; EINVAL for others."""
    if who == RUSAGE_SELF:
        usage = cputime.group_usage(t.group)
        usage.maxrss = max(usage.maxrss, resident_kib(t))
    elif who == RUSAGE_CHILDREN:
        children = t.group.times.children
        usage = Usage(children.utime, children.stime, children.maxrss, children.minflt, children.nvcsw,
                      children.nivcsw)  # fmt: skip
    elif who == RUSAGE_THREAD:
        usage = cputime.task_usage(t)
        usage.maxrss = max(t.group.times.maxrss, resident_kib(t))
    else:
        raise Errno(EINVAL)
    return usage


def pack_rusage(usage: Usage) -> bytes:
    """struct rusage: times as timevals (microseconds, truncated)."""
    usec = NSEC_PER_SEC // 1_000_000
    us, ss = usage.utime // usec, usage.stime // usec
    return RUSAGE.pack(us // 1_000_000, us % 1_000_000, ss // 1_000_000, ss % 1_000_000,
                       usage.maxrss, 0, 0, 0, usage.minflt, 0, 0, 0, 0, 0, 0, 0, usage.nvcsw, usage.nivcsw)  # fmt: skip


@syscall("sys_getrusage")
def sys_getrusage(t: Task, who: int, ru: int, *_: int) -> int:
    copy_to_user(t.mm, ru, pack_rusage(usage_of(t, who)))
    return 0


def _ticks(ns: int) -> int:
    return ns // (NSEC_PER_SEC // CLK_TCK)


@syscall("sys_times")
def sys_times(t: Task, tbuf: int, *_: int) -> int:
    if tbuf:
        own, children = cputime.group_usage(t.group), t.group.times.children
        copy_to_user(t.mm, tbuf, TMS.pack(_ticks(own.utime), _ticks(own.stime), _ticks(children.utime),
                                          _ticks(children.stime)))  # fmt: skip
    # jiffies_64_to_clock_t(get_jiffies_64()): clock ticks since jiffies' start, boot's 300 s before the wrap.
    jiffies = INITIAL_JIFFIES + boottime_ns() * HZ // NSEC_PER_SEC
    return jiffies * CLK_TCK // HZ
