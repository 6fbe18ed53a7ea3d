"""A process's user address space: areas (VMAs), demand paging, brk, fork's copy.

Pages of an area are allocated when first touched: the page-fault handler and
the uaccess helpers call `fault_in`, so the stack grows and anonymous memory
appears on first use, as in mm/memory.c. A page protected PROT_NONE keeps its
frame in a PTE whose present bit is clear.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.kernel_runtime.elfimage import Image
from syscalltbl.kernel_runtime.paging import PTE_A, PTE_ADDR, PTE_D, PTE_NX, PTE_P, PTE_RW, PTE_US, AddressSpace
from syscalltbl.kernel_runtime.physmem import PhysicalMemory

STACK_TOP = TASK_SIZE_MAX
STACK_MAX = 8 << 20  # RLIMIT_STACK's default: the stack area, paged in on demand
MMAP_BASE = STACK_TOP - STACK_MAX - (1 << 30)  # mmap areas grow down from here
MMAP_MIN_ADDR = 0x10000  # vm.mmap_min_addr: page 0 never maps
VDSO_BASE = MMAP_BASE + (1 << 29)  # between the mmap areas and the stack; vvar just below
VVAR_BASE = VDSO_BASE - PAGE_SIZE
SHARED = frozenset({"[vdso]", "[vvar]"})  # kernel-owned frames, mapped into every process


def page_down(addr: int) -> int:
    return addr & ~(PAGE_SIZE - 1)


def page_up(addr: int) -> int:
    return (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


@dataclass(slots=True)
class Vma:
    """[start, end) with one protection; `name` as /proc/PID/maps shows it."""

    start: int
    end: int
    read: bool
    write: bool
    execute: bool
    name: str = ""

    def pte_flags(self) -> int:
        flags = PTE_US | PTE_A | PTE_D | (PTE_RW if self.write else 0) | (0 if self.execute else PTE_NX)
        return flags | (PTE_P if self.read or self.write or self.execute else 0)


class Mm(AddressSpace):
    """User pages of one process, over the shared kernel half."""

    def __init__(self, ram: PhysicalMemory, kernel: AddressSpace) -> None:
        super().__init__(ram, kernel)
        self.kernel = kernel
        self.vmas: list[Vma] = []  # sorted, non-overlapping
        self.start_brk = 0
        self.brk = 0

    # -- areas --

    def find_vma(self, va: int) -> Vma | None:
        i = bisect.bisect_right([v.start for v in self.vmas], va) - 1
        if i >= 0 and va < self.vmas[i].end:
            return self.vmas[i]
        return None

    def _split(self, addr: int) -> None:
        """Make `addr` an area boundary if it falls inside one."""
        vma = self.find_vma(addr)
        if vma is not None and vma.start < addr:
            tail = Vma(addr, vma.end, vma.read, vma.write, vma.execute, vma.name)
            vma.end = addr
            self.vmas.insert(self.vmas.index(vma) + 1, tail)

    def _inside(self, start: int, end: int) -> list[Vma]:
        self._split(start)
        self._split(end)
        return [v for v in self.vmas if start <= v.start and v.end <= end]

    def add_vma(self, start: int, end: int, *, read: bool, write: bool, execute: bool, name: str = "") -> Vma:
        """A new area over [start, end), replacing whatever was mapped there."""
        self.remove_range(start, end)
        vma = Vma(start, end, read, write, execute, name)
        bisect.insort(self.vmas, vma, key=lambda v: v.start)
        return vma

    def remove_range(self, start: int, end: int) -> None:
        for vma in self._inside(start, end):
            self.vmas.remove(vma)
            for va in range(vma.start, vma.end, PAGE_SIZE):
                entry = self.lookup(va)
                if entry:
                    self.set_pte(va, 0)
                    if vma.name not in SHARED:
                        self.ram.free(entry & PTE_ADDR)

    def protect(self, start: int, end: int, *, read: bool, write: bool, execute: bool) -> bool:
        """mprotect: False if part of the range is not mapped."""
        covered = start
        for vma in self.vmas:
            if vma.end <= covered or vma.start >= end:
                continue
            if vma.start > covered:
                return False
            covered = vma.end
        if covered < end or any(v.name in SHARED for v in self.vmas if v.start < end and v.end > start):
            return False
        for vma in self._inside(start, end):
            vma.read, vma.write, vma.execute = read, write, execute
            flags = vma.pte_flags()
            for va in range(vma.start, vma.end, PAGE_SIZE):
                entry = self.lookup(va)
                if entry:
                    self.set_pte(va, (entry & PTE_ADDR) | flags)
        return True

    def unmapped_area(self, length: int) -> int | None:
        """The highest free range of `length` bytes below MMAP_BASE (top-down allocator)."""
        top = MMAP_BASE
        for vma in reversed(self.vmas):
            if vma.start >= top:
                continue
            if vma.end <= top - length:
                return top - length
            top = vma.start
        return top - length if top - length >= MMAP_MIN_ADDR else None

    def is_free(self, start: int, end: int) -> bool:
        return all(v.end <= start or v.start >= end for v in self.vmas)

    # -- pages --

    def fault_in(self, va: int, write: bool) -> bool:
        """Demand paging: give `va` a frame if its area allows the access."""
        vma = self.find_vma(va)
        if vma is None or not (vma.write if write else vma.read or vma.write or vma.execute):
            return False
        page = page_down(va)
        entry = self.lookup(page)
        if entry & PTE_P:
            return False  # present: a real protection fault
        frame = entry & PTE_ADDR if entry else self.ram.alloc()
        self.set_pte(page, frame | vma.pte_flags())
        return True

    def user_frame(self, va: int, write: bool) -> int | None:
        pa = super().user_frame(va, write)
        if pa is None and self.fault_in(va, write):
            pa = super().user_frame(va, write)
        return pa

    def poke(self, va: int, data: bytes | bytearray | memoryview) -> None:
        """Write into this address space regardless of page protections (exec)."""
        done = 0
        while done < len(data):
            at = va + done
            if not self.lookup(at) & PTE_P:
                self.fault_in(at, False)
            pa = self.kernel_frame(at)
            n = min(len(data) - done, PAGE_SIZE - (at & (PAGE_SIZE - 1)))
            self.ram.write(pa, data[done : done + n])
            done += n

    # -- whole address spaces --

    def load(self, image: Image) -> None:
        """Map an executable's segments (each an area) and set the break after them."""
        perms: dict[int, tuple[bool, bool]] = {}
        for seg in image.segments:
            if seg.vaddr + seg.memsz > TASK_SIZE_MAX or seg.vaddr < MMAP_MIN_ADDR:
                raise ValueError(f"segment at {seg.vaddr:#x} is outside user space")
            for va in range(page_down(seg.vaddr), page_up(seg.vaddr + seg.memsz), PAGE_SIZE):
                w, x = perms.get(va, (False, False))
                perms[va] = (w or seg.write, x or seg.execute)  # a shared page gets the union
        for va, (w, x) in sorted(perms.items()):
            vma = self.find_vma(va - 1)
            if vma is None or vma.end != va or (vma.write, vma.execute) != (w, x):
                vma = self.add_vma(va, va, read=True, write=w, execute=x, name="[exe]")
            vma.end = va + PAGE_SIZE
            self.set_pte(va, self.ram.alloc() | vma.pte_flags())
        for seg in image.segments:
            self.poke(seg.vaddr, seg.data)
        self.start_brk = self.brk = page_up(max(s.vaddr + s.memsz for s in image.segments))
        self.add_vma(self.start_brk, self.start_brk, read=True, write=True, execute=False, name="[heap]")

    def map_stack(self) -> None:
        self.add_vma(STACK_TOP - STACK_MAX, STACK_TOP, read=True, write=True, execute=False, name="[stack]")

    def heap(self) -> Vma:
        vma = next((v for v in self.vmas if v.name == "[heap]"), None)
        if vma is None:
            vma = self.add_vma(self.start_brk, self.start_brk, read=True, write=True, execute=False, name="[heap]")
        return vma

    def copy(self) -> Mm:
        """fork: a new address space with its own copy of every page."""
        child = Mm(self.ram, self.kernel)
        child.vmas = [Vma(v.start, v.end, v.read, v.write, v.execute, v.name) for v in self.vmas]
        child.start_brk, child.brk = self.start_brk, self.brk
        mem = self.ram.mem
        for va, entry in self.user_leaves():
            if self._shared(va):
                child.set_pte(va, entry)
                continue
            frame = self.ram.alloc()
            src = entry & PTE_ADDR
            mem[frame : frame + PAGE_SIZE] = mem[src : src + PAGE_SIZE]
            child.set_pte(va, frame | (entry & ~PTE_ADDR))
        return child

    def _shared(self, va: int) -> bool:
        vma = self.find_vma(va)
        return vma is not None and vma.name in SHARED

    def map_shared(self, va: int, frames: list[int], name: str) -> None:
        """Map kernel-owned frames read-only (the vDSO and vvar pages)."""
        vma = self.add_vma(va, va + len(frames) * PAGE_SIZE, read=True, write=False, execute=name == "[vdso]",
                           name=name)
        for i, frame in enumerate(frames):
            self.set_pte(va + i * PAGE_SIZE, frame | vma.pte_flags())

    def destroy(self) -> None:
        """Free every frame and table; the address space must not be current."""
        for va, entry in list(self.user_leaves()):
            if not self._shared(va):
                self.ram.free(entry & PTE_ADDR)
        self.free_user_tables()
        self.vmas = []
