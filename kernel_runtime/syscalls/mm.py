"""brk: the program break (mm/mmap.c)."""

from __future__ import annotations

from syscalltbl.kernel_runtime.mm import STACK_SIZE, STACK_TOP, page_up
from syscalltbl.kernel_runtime.process import Task
from syscalltbl.kernel_runtime.syscalls.registry import syscall


@syscall("sys_brk")
def sys_brk(t: Task, brk: int, *_: int) -> int:
    mm = t.mm
    # Like the kernel, failure is reported by returning the unchanged break.
    if brk < mm.start_brk or page_up(brk) > STACK_TOP - STACK_SIZE:
        return mm.brk
    old, new = page_up(mm.brk), page_up(brk)
    if new > old:
        mm.map_anon(old, new, write=True, execute=False)
    elif new < old:
        mm.unmap_range(new, old)
        t.cpu.flush_tlb()
    mm.brk = brk
    return brk
