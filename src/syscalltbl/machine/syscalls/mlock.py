"""mlock, mlock2, munlock, mlockall, munlockall (mm/mlock.c).

Nothing is ever swapped out here, so a lock changes no page's fate: it pages
the range in (as mlock populates it), marks the areas (MADV_DONTNEED refuses
them, msync(MS_INVALIDATE) is EBUSY) and counts against RLIMIT_MEMLOCK for
a process without CAP_IPC_LOCK, as Linux does.
"""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.kernel.mm import SHARED as SHARED_AREAS
from syscalltbl.machine.kernel.mm import page_up
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, ENOMEM, EPERM, Errno
from syscalltbl.machine.uapi.mman import MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT, MLOCK_ONFAULT
from syscalltbl.machine.uapi.resource import RLIM_INFINITY, RLIMIT_MEMLOCK

MASK64 = (1 << 64) - 1
MLOCK_LIMIT = 8 << 20  # RLIMIT_MEMLOCK's default (include/uapi/linux/resource.h), for a process that never set it


def memlock_limit(t: Task) -> int | None:
    """RLIMIT_MEMLOCK's soft limit in bytes; None for root (CAP_IPC_LOCK), which mlock never refuses."""
    if t.cred.euid == 0:
        return None
    limit = t.rlimits[RLIMIT_MEMLOCK][0] if t.rlimits is not None else MLOCK_LIMIT
    return None if limit == RLIM_INFINITY else limit


def _lock(t: Task, addr: int, length: int, *, lock: bool, on_fault: bool = False) -> int:
    """mlock/munlock over [addr, addr + length): the start rounded down, as do_mlock does. `on_fault`
    (MLOCK_ONFAULT): the pages are locked as they are faulted in, none is paged in now."""
    length = page_up(length + addr % PAGE_SIZE)
    addr -= addr % PAGE_SIZE
    end = addr + length
    if end > MASK64:
        raise Errno(EINVAL)
    if end == addr:
        return 0
    mm = t.mm
    if lock:
        limit = memlock_limit(t)
        if limit == 0:
            raise Errno(EPERM)  # can_do_mlock
        already = sum(min(v.end, end) - max(v.start, addr) for v in mm.vmas
                      if v.locked and v.start < end and v.end > addr)
        if limit is not None and mm.locked_bytes - already + length > limit:
            raise Errno(ENOMEM)
    if end > TASK_SIZE_MAX or not mm.covers(addr, end):
        raise Errno(ENOMEM)  # part of it is not mapped
    if not mm.can_add_areas(2):
        raise Errno(ENOMEM)
    for v in mm.split(addr, end):
        v.locked = lock
    mm.merge(addr, end)
    if lock and not on_fault and not mm.populate(addr, end, write=True):
        raise Errno(ENOMEM)
    return 0


@syscall("sys_mlock")
def sys_mlock(t: Task, addr: int, length: int, *_: int) -> int:
    return _lock(t, addr, length, lock=True)


@syscall("sys_mlock2")
def sys_mlock2(t: Task, addr: int, length: int, flags: int, *_: int) -> int:
    if flags & ~MLOCK_ONFAULT:
        raise Errno(EINVAL)
    return _lock(t, addr, length, lock=True, on_fault=bool(flags & MLOCK_ONFAULT))


@syscall("sys_munlock")
def sys_munlock(t: Task, addr: int, length: int, *_: int) -> int:
    return _lock(t, addr, length, lock=False)


@syscall("sys_mlockall")
def sys_mlockall(t: Task, flags: int, *_: int) -> int:
    if not flags or flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) or flags == MCL_ONFAULT:
        raise Errno(EINVAL)
    limit = memlock_limit(t)
    if limit == 0:
        raise Errno(EPERM)
    mm = t.mm
    if flags & MCL_CURRENT and limit is not None and sum(v.end - v.start for v in mm.vmas) > limit:
        raise Errno(ENOMEM)
    mm.lock_future = bool(flags & MCL_FUTURE)
    if flags & MCL_CURRENT:
        for v in mm.vmas:
            v.locked = v.name not in SHARED_AREAS  # VM_SPECIAL areas are never locked
        mm.merge(0, TASK_SIZE_MAX)
        if not flags & MCL_ONFAULT:
            # Best effort, as mlockall ignores populate's failures. Not the stack, whose area here is all
            # the 8 MiB it may grow to (Linux's holds what it grew to, and that is paged in already).
            for v in [v for v in mm.vmas if v.name != "[stack]"]:
                mm.populate(v.start, v.end, write=True)
    return 0


@syscall("sys_munlockall")
def sys_munlockall(t: Task, *_: int) -> int:
    for v in t.mm.vmas:
        v.locked = False
    t.mm.merge(0, TASK_SIZE_MAX)
    t.mm.lock_future = False
    return 0
