"""remap_file_pages(2) as Linux has emulated it since 4.0 (mm/mmap.c): a fresh shared mapping of the same file.

Linux dropped non-linear mappings; the call now maps `size` bytes of the
area's own file, from page `pgoff`, over [start, start + size) with the
area's protection, as mmap(MAP_SHARED|MAP_FIXED|MAP_POPULATE) would. The
range must lie in one shared area, or in areas that follow it without a gap
and map the same file with the same flags; anything else is EINVAL.
"""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.mm import Vma
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.shm import Segment
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, ENOMEM, EPERM, Errno
from syscalltbl.machine.uapi.ipc import SHM_DEST
from syscalltbl.machine.uapi.mman import MAP_NONBLOCK
from syscalltbl.store.record import replace

MASK64 = (1 << 64) - 1


def _flags(vma: Vma) -> tuple[bool, ...]:
    """What vm_flags tells apart: areas differing in any of these are not one mapping."""
    return (vma.read, vma.write, vma.execute, vma.shared, vma.locked, vma.maywrite, vma.dontfork, vma.wipeonfork)


def _covering(t: Task, start: int, end: int) -> Vma:
    """The shared area at `start`, once the areas up to `end` are found to continue it; else EINVAL."""
    vma = t.mm.find_vma(start)
    if vma is None or vma.start > start or not vma.shared or vma.backing is None:
        raise Errno(EINVAL)
    previous = vma
    for following in t.mm.vmas_in(vma.end, end):
        if (following.start != previous.end or following.backing is not vma.backing
                or _flags(following) != _flags(vma)):
            raise Errno(EINVAL)
        previous = following
    if previous.end < end:
        raise Errno(EINVAL)  # the range runs past the last area
    return vma


@syscall("sys_remap_file_pages")
def sys_remap_file_pages(t: Task, start: int, size: int, prot: int, pgoff: int, flags: int, *_: int) -> int:
    if prot:
        raise Errno(EINVAL)  # the protection is the area's own
    start &= ~(PAGE_SIZE - 1) & MASK64
    size &= ~(PAGE_SIZE - 1) & MASK64
    end = start + size
    if end > MASK64 or end <= start:
        raise Errno(EINVAL)
    if pgoff + size // PAGE_SIZE > MASK64:
        raise Errno(EINVAL)  # the file offset would wrap
    vma = _covering(t, start, end)
    mm = t.mm
    if mm.first_sealed(start, end) is not None:
        raise Errno(EPERM)  # do_mmap would unmap a sealed area (mseal)
    if not mm.can_add_areas(3):  # the new area, and the pieces left of the old ones at either end
        raise Errno(ENOMEM)
    backing = vma.backing
    assert backing is not None
    if isinstance(backing, Segment) and backing.perm.mode & SHM_DEST:
        # shm_mmap finds the segment's id gone (IPC_RMID): the old areas are unmapped already, nothing replaces them.
        mm.remove_range(start, end)
        t.cpu.flush_tlb()
        raise Errno(EINVAL)
    # do_mmap over the old areas: they are unmapped (vm_ops->close), the new one is the file's again (->open).
    mm.insert_vma(replace(vma, start=start, end=end, pgoff=pgoff, closed=False))
    backing.opened()
    t.cpu.flush_tlb()
    if vma.locked or not flags & MAP_NONBLOCK:  # MAP_POPULATE, unless MAP_NONBLOCK (the one flag kept)
        mm.populate(start, end, write=False)
    return 0
