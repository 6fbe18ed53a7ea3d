"""mseal(2) (mm/mseal.c): seal a range of areas against change for the rest of the address space's life.

A sealed area (Vma.sealed, kept by splits and fork, never merged with an
unsealed one) refuses munmap, mmap over it, mremap, mprotect, and the
discarding madvise advice on anonymous read-only memory: EPERM, checked in
syscalls/mm.py and madvise.py. Sealing is all or nothing: a hole anywhere in
the range is ENOMEM before any area is sealed.
"""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.mm import page_up
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, ENOMEM, Errno

MASK64 = (1 << 64) - 1


@syscall("sys_mseal")
def sys_mseal(t: Task, start: int, length: int, flags: int, *_: int) -> int:
    if flags:
        raise Errno(EINVAL)  # none is defined
    if start % PAGE_SIZE:
        raise Errno(EINVAL)
    size = page_up(length) & MASK64
    if length and not size:
        raise Errno(EINVAL)  # a length within a page of 2**64 rounds up to 0
    end = start + size
    if end > MASK64:
        raise Errno(EINVAL)  # wraps around
    if end == start:
        return 0
    mm = t.mm
    if not mm.covers(start, end):
        raise Errno(ENOMEM)  # range_contains_unmapped
    if not mm.can_add_areas(2):
        raise Errno(ENOMEM)  # the areas at either end split
    mm.seal(start, end)
    return 0
