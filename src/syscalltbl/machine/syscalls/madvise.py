"""madvise, msync and mincore (mm/madvise.c, mm/msync.c, mm/mincore.c)."""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.kernel.mm import SHARED as SHARED_AREAS
from syscalltbl.machine.kernel.mm import page_up
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EACCES, EAGAIN, EBUSY, EFAULT, EINVAL, ENOMEM, EPERM, Errno
from syscalltbl.machine.uapi.mman import (
    MADV_COLD,
    MADV_DODUMP,
    MADV_DOFORK,
    MADV_DONTDUMP,
    MADV_DONTFORK,
    MADV_DONTNEED,
    MADV_DONTNEED_LOCKED,
    MADV_FREE,
    MADV_GUARD_INSTALL,
    MADV_GUARD_REMOVE,
    MADV_HUGEPAGE,
    MADV_KEEPONFORK,
    MADV_NOHUGEPAGE,
    MADV_NORMAL,
    MADV_PAGEOUT,
    MADV_POPULATE_READ,
    MADV_POPULATE_WRITE,
    MADV_RANDOM,
    MADV_REMOVE,
    MADV_SEQUENTIAL,
    MADV_WILLNEED,
    MADV_WIPEONFORK,
    MS_ASYNC,
    MS_INVALIDATE,
    MS_SYNC,
)

MASK64 = (1 << 64) - 1


@syscall("sys_msync")
def sys_msync(t: Task, addr: int, length: int, flags: int, *_: int) -> int:
    if flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) or addr % PAGE_SIZE or (flags & MS_ASYNC and flags & MS_SYNC):
        raise Errno(EINVAL)
    end = addr + page_up(length)
    if end > MASK64:
        raise Errno(ENOMEM)
    if end == addr:
        return 0
    mm = t.mm
    if flags & MS_INVALIDATE and any(v.locked for v in mm.vmas if v.start < end and v.end > addr):
        raise Errno(EBUSY)
    # Every view of a file is its page cache's frames here: there is nothing to write back or to invalidate.
    if not mm.covers(addr, end):
        raise Errno(ENOMEM)  # part of the range is not mapped
    return 0


# No MADV_MERGEABLE or MADV_UNMERGEABLE: the machine has no KSM (CONFIG_KSM off), so they are EINVAL.
_ADVICE_KEPT = frozenset({MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT,
                          MADV_HUGEPAGE, MADV_NOHUGEPAGE})
_ADVICE = _ADVICE_KEPT | {MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK,
                          MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_POPULATE_READ, MADV_POPULATE_WRITE,
                          MADV_GUARD_INSTALL, MADV_GUARD_REMOVE, MADV_DONTDUMP, MADV_DODUMP}

#: is_discard (mm/madvise.c): the advice a sealed area refuses when it is anonymous and read-only.
_DISCARD = frozenset({MADV_FREE, MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_REMOVE, MADV_DONTFORK, MADV_WIPEONFORK,
                      MADV_GUARD_INSTALL})


@syscall("sys_madvise")
def sys_madvise(t: Task, addr: int, length: int, advice: int, *_: int) -> int:
    if addr % PAGE_SIZE or advice not in _ADVICE:
        raise Errno(EINVAL)
    end = addr + page_up(length)
    if (length and end == addr) or end > MASK64:
        raise Errno(EINVAL)
    if end == addr:
        return 0
    mm = t.mm
    areas = [v for v in mm.vmas if v.start < end and v.end > addr]
    hole = not mm.covers(addr, end) or not areas
    if any(v.name in SHARED_AREAS for v in areas) and advice not in _ADVICE_KEPT | {MADV_DONTDUMP}:
        raise Errno(EINVAL)  # the vDSO's pages are the kernel's (VM_PFNMAP-like here)
    if advice in _DISCARD and any(v.sealed and v.backing is None and not v.write for v in areas):
        raise Errno(EPERM)  # can_madvise_modify: discarding a sealed read-only anonymous area's pages
    if advice in (MADV_DONTNEED, MADV_DONTNEED_LOCKED, MADV_FREE):
        if advice == MADV_DONTNEED and any(v.locked for v in areas):
            raise Errno(EINVAL)
        if advice == MADV_FREE:
            if any(v.shared or v.backing is not None for v in areas):
                raise Errno(EINVAL)  # only anonymous private memory
            # Freed lazily, when memory runs short: until then the pages keep their contents, as here.
        else:
            for v in areas:
                mm.zap(max(v.start, addr), min(v.end, end))  # a file's pages come back from it, copies dropped
            t.cpu.flush_tlb()
    elif advice == MADV_REMOVE:
        if any(v.locked or v.backing is None for v in areas):
            raise Errno(EINVAL)
        if not all(v.shared and v.write for v in areas):
            raise Errno(EACCES)
        for v in areas:
            lo, hi = max(v.start, addr), min(v.end, end)
            assert v.backing is not None
            v.backing.punch(v.index(lo), (hi - lo) // PAGE_SIZE)
            mm.zap(lo, hi)
        t.cpu.flush_tlb()
    elif advice in (MADV_DONTDUMP, MADV_DODUMP):
        if not mm.can_add_areas(2):
            raise Errno(EAGAIN)  # a split past max_map_count
        for v in mm.split(max(addr, areas[0].start), min(end, areas[-1].end)) if areas else []:
            if v.name not in SHARED_AREAS:  # the vDSO is dumped whatever it says (always_dump_vma)
                v.dontdump = advice == MADV_DONTDUMP  # VM_DONTDUMP: left out of a core dump (kernel/coredump.py)
        mm.merge(addr, end)
    elif advice in (MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_DONTFORK, MADV_DOFORK):
        if advice in (MADV_WIPEONFORK, MADV_KEEPONFORK) and any(v.shared or v.backing is not None for v in areas):
            raise Errno(EINVAL)
        if not mm.can_add_areas(2):
            raise Errno(EAGAIN)  # a split past max_map_count
        for v in mm.split(max(addr, areas[0].start), min(end, areas[-1].end)) if areas else []:
            if advice in (MADV_WIPEONFORK, MADV_KEEPONFORK):
                v.wipeonfork = advice == MADV_WIPEONFORK
            else:
                v.dontfork = advice == MADV_DONTFORK
        mm.merge(addr, end)
    elif advice in (MADV_GUARD_INSTALL, MADV_GUARD_REMOVE):
        # is_valid_guard_vma: not the kernel's special areas, and an install not over locked memory.
        if advice == MADV_GUARD_INSTALL and any(v.locked for v in areas):
            raise Errno(EINVAL)
        for v in areas:
            lo, hi = max(v.start, addr), min(v.end, end)
            if advice == MADV_GUARD_REMOVE:
                mm.unguard(lo, hi)
            elif not mm.guard(lo, hi):
                raise Errno(ENOMEM)
        t.cpu.flush_tlb()
    elif advice in (MADV_POPULATE_READ, MADV_POPULATE_WRITE):
        if hole:
            raise Errno(ENOMEM)
        write = advice == MADV_POPULATE_WRITE
        for v in areas:
            if not (v.read or v.write or v.execute):
                raise Errno(EINVAL)  # PROT_NONE
            if not (v.write if write else v.read):
                raise Errno(EFAULT)
        if not mm.populate(addr, end, write=write):
            raise Errno(ENOMEM)
    if hole:
        raise Errno(ENOMEM)  # what was mapped was advised; the unmapped part is reported
    return 0


MINCORE_BATCH = PAGE_SIZE  # pages answered per copy to the user, as do_mincore works a page of the vector at a time


@syscall("sys_mincore")
def sys_mincore(t: Task, addr: int, length: int, vec: int, *_: int) -> int:
    if addr % PAGE_SIZE:
        raise Errno(EINVAL)
    end = addr + page_up(length)
    if end > TASK_SIZE_MAX or end < addr:
        raise Errno(ENOMEM)
    count = (end - addr) // PAGE_SIZE
    mm = t.mm
    if not mm.accessible(vec, vec + count, True) == count:
        raise Errno(EFAULT)
    if not mm.covers(addr, end):
        raise Errno(ENOMEM)
    # A batch at a time, from what is resident (page-table leaves, the backings' pages), never page by page:
    # a range of terabytes costs what its vector does, and that is paged in (so bounded by RAM) as it is written.
    for first in range(0, count, MINCORE_BATCH):
        lo, hi = addr + first * PAGE_SIZE, min(end, addr + (first + MINCORE_BATCH) * PAGE_SIZE)
        out = bytearray((hi - lo) // PAGE_SIZE)
        for va, _pte, _entry in mm.leaves(lo, hi):
            out[(va - lo) // PAGE_SIZE] = 1
        for v in mm.vmas_in(lo, hi):
            if v.backing is not None:
                a, b = max(v.start, lo), min(v.end, hi)
                for index in v.backing.resident_in(v.index(a), v.index(b)):
                    out[(v.start + (index - v.pgoff) * PAGE_SIZE - lo) // PAGE_SIZE] = 1
        copy_to_user(mm, vec + first, out)
    return 0
