"""A process's user address space: program segments, stack and brk."""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.kernel_runtime.elfimage import Image
from syscalltbl.kernel_runtime.paging import AddressSpace
from syscalltbl.kernel_runtime.physmem import PhysicalMemory

STACK_TOP = TASK_SIZE_MAX
STACK_SIZE = 1 << 20  # mapped up front: no stack growth on faults yet


def page_down(addr: int) -> int:
    return addr & ~(PAGE_SIZE - 1)


def page_up(addr: int) -> int:
    return (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


class Mm(AddressSpace):
    """User pages of one process, over the shared kernel half."""

    def __init__(self, ram: PhysicalMemory, kernel: AddressSpace) -> None:
        super().__init__(ram, kernel)
        self.start_brk = 0
        self.brk = 0

    def map_anon(self, start: int, end: int, *, write: bool, execute: bool) -> None:
        for va in range(page_down(start), page_up(end), PAGE_SIZE):
            if not self.lookup(va):
                self.map(va, self.ram.alloc(), user=True, write=write, execute=execute)

    def unmap_range(self, start: int, end: int) -> None:
        for va in range(page_down(start), page_up(end), PAGE_SIZE):
            frame = self.unmap(va)
            if frame is not None:
                self.ram.free(frame)

    def poke(self, va: int, data: bytes) -> None:
        """Write into this address space regardless of page protections (exec)."""
        done = 0
        while done < len(data):
            pa = self.kernel_frame(va + done)
            n = min(len(data) - done, PAGE_SIZE - ((va + done) & (PAGE_SIZE - 1)))
            self.ram.write(pa, data[done : done + n])
            done += n

    def load(self, image: Image) -> None:
        # Segments can share a page; it gets the union of their permissions.
        perms: dict[int, tuple[bool, bool]] = {}
        for seg in image.segments:
            if seg.vaddr + seg.memsz > TASK_SIZE_MAX:
                raise ValueError(f"segment at {seg.vaddr:#x} is outside user space")
            for va in range(page_down(seg.vaddr), page_up(seg.vaddr + seg.memsz), PAGE_SIZE):
                w, x = perms.get(va, (False, False))
                perms[va] = (w or seg.write, x or seg.execute)
        for va, (w, x) in sorted(perms.items()):
            self.map(va, self.ram.alloc(), user=True, write=w, execute=x)
        for seg in image.segments:
            self.poke(seg.vaddr, seg.data)
        self.start_brk = self.brk = page_up(max(s.vaddr + s.memsz for s in image.segments))

    def map_stack(self) -> None:
        self.map_anon(STACK_TOP - STACK_SIZE, STACK_TOP, write=True, execute=False)
