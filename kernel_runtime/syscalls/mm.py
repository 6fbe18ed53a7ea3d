"""brk, mmap, munmap, mprotect (mm/mmap.c, mm/mprotect.c)."""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.kernel_runtime.errnos import EACCES, EBADF, EEXIST, EINVAL, ENODEV, ENOMEM, EPERM, Errno
from syscalltbl.kernel_runtime.mm import MMAP_MIN_ADDR, STACK_MAX, STACK_TOP, page_up
from syscalltbl.kernel_runtime.process import Task
from syscalltbl.kernel_runtime.syscalls.registry import syscall
from syscalltbl.kernel_runtime.vfs import Regular

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_TYPE = 0x01, 0x02, 0x03, 0x0F
MAP_FIXED, MAP_ANONYMOUS, MAP_FIXED_NOREPLACE = 0x10, 0x20, 0x100000


@syscall("sys_brk")
def sys_brk(t: Task, brk: int, *_: int) -> int:
    mm = t.mm
    heap = mm.heap()
    # Like the kernel, failure is reported by returning the unchanged break.
    if brk < mm.start_brk or page_up(brk) > STACK_TOP - STACK_MAX:
        return mm.brk
    old, new = page_up(mm.brk), page_up(brk)
    if new > old:
        if not mm.is_free(old, new):
            return mm.brk
        heap.end = new
    elif new < old:
        mm.remove_range(new, old)
        t.cpu.flush_tlb()
    mm.brk = brk
    return brk


def _range(addr: int, length: int) -> int:
    """The page-rounded end of [addr, addr + length), or EINVAL."""
    if addr % PAGE_SIZE or length <= 0:
        raise Errno(EINVAL)
    end = page_up(addr + length)
    if end > TASK_SIZE_MAX:
        raise Errno(EINVAL if addr >= TASK_SIZE_MAX else ENOMEM)
    return end


@syscall("sys_mmap")
def sys_mmap(t: Task, addr: int, length: int, prot: int, flags: int, fd: int, off: int) -> int:
    kind = flags & MAP_TYPE
    if length <= 0 or off % PAGE_SIZE or kind not in (MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE):
        raise Errno(EINVAL)
    size = page_up(length)
    if size > TASK_SIZE_MAX:
        raise Errno(ENOMEM)
    data = b""
    if not flags & MAP_ANONYMOUS:
        fd = fd - (1 << 64) if fd >> 63 else fd
        f = t.files.get(fd)
        if not isinstance(f.inode, Regular):
            raise Errno(ENODEV if f.inode.kind else EBADF)
        if kind != MAP_PRIVATE:
            raise Errno(ENODEV)  # shared file mappings: not on this machine
        if not f.readable():
            raise Errno(EACCES)
        data = bytes(f.inode.data[off : off + length])
    # MAP_SHARED anonymous memory is private here: without threads nothing
    # but a fork could see the difference, and fork copies it.
    mm = t.mm
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
        _range(addr, size)
        if addr < MMAP_MIN_ADDR:
            raise Errno(EPERM)
        if flags & MAP_FIXED_NOREPLACE and not mm.is_free(addr, addr + size):
            raise Errno(EEXIST)
    elif not (addr and addr % PAGE_SIZE == 0 and addr >= MMAP_MIN_ADDR
              and addr + size <= TASK_SIZE_MAX and mm.is_free(addr, addr + size)):
        found = mm.unmapped_area(size)
        if found is None:
            raise Errno(ENOMEM)
        addr = found
    mm.add_vma(addr, addr + size, read=bool(prot & PROT_READ), write=bool(prot & PROT_WRITE),
               execute=bool(prot & PROT_EXEC))
    t.cpu.flush_tlb()
    if data:
        mm.poke(addr, data)  # a private file mapping is a copy, filled now
    return addr


@syscall("sys_munmap")
def sys_munmap(t: Task, addr: int, length: int, *_: int) -> int:
    t.mm.remove_range(addr, _range(addr, length))
    t.cpu.flush_tlb()
    return 0


@syscall("sys_mprotect")
def sys_mprotect(t: Task, addr: int, length: int, prot: int, *_: int) -> int:
    if prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC):
        raise Errno(EINVAL)
    if length == 0 and addr % PAGE_SIZE == 0:
        return 0
    end = _range(addr, length)
    if not t.mm.protect(addr, end, read=bool(prot & PROT_READ), write=bool(prot & PROT_WRITE),
                        execute=bool(prot & PROT_EXEC)):
        raise Errno(ENOMEM)
    t.cpu.flush_tlb()
    return 0
