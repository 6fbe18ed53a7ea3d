"""A process's user address space: areas (VMAs), demand paging, brk, fork's copy.

Pages of an area are allocated when first touched: the page-fault handler and
the uaccess helpers call `fault_in`, so the stack grows and anonymous memory
appears on first use, as in mm/memory.c. A page protected PROT_NONE keeps its
frame in a PTE whose present bit is clear.

An area with a backing (a mapped file's page cache, shared anonymous memory,
a System V segment: kernel/shmem.py's Backing) maps the backing's own frame
for each page, one more holder of it in PhysicalMemory's count. A MAP_SHARED
area writes that frame in place, so every mapping of it in every process
sees the same bytes; a private area maps it read-only and copies it on the
first write. fork copies private anonymous pages and shares the rest.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable
from operator import attrgetter

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.hw.paging import (
    KERNEL_HALF,
    PTE_A,
    PTE_ADDR,
    PTE_D,
    PTE_NX,
    PTE_P,
    PTE_RW,
    PTE_US,
    AddressSpace,
)
from syscalltbl.machine.hw.physmem import OutOfMemory, PhysicalMemory
from syscalltbl.machine.kernel import codealias
from syscalltbl.machine.kernel.shmem import Backing
from syscalltbl.store.record import Value, replace

STACK_TOP = TASK_SIZE_MAX
STACK_MAX = 8 << 20  # RLIMIT_STACK's default: the stack area, paged in on demand
MMAP_BASE = STACK_TOP - STACK_MAX - (1 << 30)  # mmap areas grow down from here
MMAP_MIN_ADDR = 0x10000  # vm.mmap_min_addr: page 0 never maps
VDSO_BASE = MMAP_BASE + (1 << 29)  # between the mmap areas and the stack; vvar just below
VVAR_BASE = VDSO_BASE - PAGE_SIZE
SHARED = frozenset({"[vdso]", "[vvar]"})  # kernel-owned frames, mapped into every process
STACK_GROWTH_MAX = 8 << 20  # RLIMIT_STACK's default: how far a MAP_GROWSDOWN area may grow
STACK_GUARD_GAP = 256 * PAGE_SIZE  # mm/mmap.c's stack_guard_gap: no mapping this close below the stack
MAX_MAP_COUNT = 65530  # vm.max_map_count's default: areas per process, past which mmap and splits are ENOMEM
# Areas are kernel objects, in RAM as Linux's vm_area_structs are (ram.slab): each is charged what it
# costs the host, about 280 bytes (measured), so no number of processes can make the host hold
# more areas than RAM pays for.
AREA_BYTES = 288
# A guard page (MADV_GUARD_INSTALL) is a marker in a page table on Linux; here an entry of Mm.guards,
# charged to RAM at what it costs the host, so no range of guards makes the host hold more than RAM pays for.
GUARD_BYTES = 64
_Q = struct.Struct("<Q")
# fault_around_bytes' default (64 KiB): the pages a read fault on a file's page maps at once (do_fault_around).
FAULT_AROUND_PAGES = 16


def page_down(addr: int) -> int:
    return addr & ~(PAGE_SIZE - 1)


def page_up(addr: int) -> int:
    return (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


class Vma(Value):
    """[start, end) with one protection; `name` as /proc/PID/maps shows it.

    `committed`: its memory is charged already or never will be (VM_ACCOUNT,
    VM_NORESERVE), so making it writable charges nothing more.

    `backing`: where its pages come from (a file, a shared memory object), page
    `pgoff` at `start`; none for anonymous private memory. `shared` (MAP_SHARED):
    its pages are the backing's frames, written in place; a private area maps
    them read-only and copies a page on its first write.
    """

    start: int
    end: int
    read: bool
    write: bool
    execute: bool
    name: str
    committed: bool
    shared: bool
    backing: Backing | None
    pgoff: int
    locked: bool  # mlock: its pages are paged in; nothing is ever swapped out here, so that is all
    dontfork: bool  # madvise(MADV_DONTFORK): a child does not get it
    wipeonfork: bool  # madvise(MADV_WIPEONFORK): a child gets it empty (zero-filled)
    closed: bool  # its backing was told it is gone (close_areas), before the area itself goes
    maywrite: bool  # VM_MAYWRITE: false for a shared mapping of a file opened read-only (mprotect: EACCES)
    growsdown: bool  # VM_GROWSDOWN (mmap's MAP_GROWSDOWN): a fault just below it extends it (grow_down)
    sealed: bool  # mseal (VM_SEALED): no unmap, move, remap or protection change until the mm goes
    # userfaultfd (kernel/userfaultfd.py): the context it is registered with (vm_userfaultfd_ctx), and how
    # (UFFDIO_REGISTER_MODE_* bits: VM_UFFD_MISSING, VM_UFFD_WP, VM_UFFD_MINOR).
    uffd: object | None
    uffd_modes: int
    # VM_ACCOUNT: private writable memory whose commit was charged (mmap without MAP_NORESERVE, the heap,
    # mprotect making it writable). fork charges it again, area by area (dup_mmap).
    accounted: bool
    dontdump: bool  # madvise(MADV_DONTDUMP): VM_DONTDUMP, left out of a core dump

    __slots__ = _fields = (
        "start", "end", "read", "write", "execute", "name", "committed", "shared", "backing", "pgoff", "locked",
        "dontfork", "wipeonfork", "closed", "maywrite", "growsdown", "sealed", "uffd", "uffd_modes", "accounted",
        "dontdump",
    )

    def __init__(
        self,
        start: int,
        end: int,
        read: bool,
        write: bool,
        execute: bool,
        name: str = "",
        committed: bool = False,
        shared: bool = False,
        backing: Backing | None = None,
        pgoff: int = 0,
        locked: bool = False,
        dontfork: bool = False,
        wipeonfork: bool = False,
        closed: bool = False,
        maywrite: bool = True,
        growsdown: bool = False,
        sealed: bool = False,
        uffd: object | None = None,
        uffd_modes: int = 0,
        accounted: bool = False,
        dontdump: bool = False,
    ) -> None:
        self.start = start
        self.end = end
        self.read = read
        self.write = write
        self.execute = execute
        self.name = name
        self.committed = committed
        self.shared = shared
        self.backing = backing
        self.pgoff = pgoff
        self.locked = locked
        self.dontfork = dontfork
        self.wipeonfork = wipeonfork
        self.closed = closed
        self.maywrite = maywrite
        self.growsdown = growsdown
        self.sealed = sealed
        self.uffd = uffd
        self.uffd_modes = uffd_modes
        self.accounted = accounted
        self.dontdump = dontdump

    def piece(self, start: int, end: int) -> Vma:
        """A copy of this area limited to [start, end) (a split, fork's copy, mremap's move)."""
        return replace(self, start=start, end=end, pgoff=self.pgoff + (start - self.start) // PAGE_SIZE)

    def forked(self) -> Vma:
        """fork's copy of this area (vm_area_dup): all of it, but memory locks are not inherited (VM_LOCKED
        is cleared in the child) nor a userfaultfd registration (without UFFD_FEATURE_EVENT_FORK).
        Made from the fields in one go: `replace`, twice for each area, was a third of a fork."""
        child = Vma(*_VMA_FIELDS(self))
        child.locked, child.uffd, child.uffd_modes = False, None, 0
        return child

    def index(self, va: int) -> int:
        """The backing's page number for `va`."""
        return self.pgoff + (va - self.start) // PAGE_SIZE

    def pte_flags(self) -> int:
        flags = PTE_US | PTE_A | PTE_D | (PTE_RW if self.write else 0) | (0 if self.execute else PTE_NX)
        return flags | (PTE_P if self.read or self.write or self.execute else 0)


_VMA_FIELDS = attrgetter(*Vma._fields)  # every field of an area, in __init__'s order


class Mm(AddressSpace):
    """User pages of one process, over the shared kernel half."""

    def __init__(self, ram: PhysicalMemory, kernel: AddressSpace) -> None:
        super().__init__(ram, kernel)
        self.kernel = kernel
        self.vmas: list[Vma] = []  # sorted, non-overlapping
        self._counted = 0  # of them, charged to RAM (ram.slab)
        # Where unmapped_area's last search stopped, and the largest gap it passed above there:
        # areas only added since, a longer request would pass them again (free_area_cache's idea).
        self._search_from: tuple[int, int] | None = None
        self.start_brk = 0
        self.brk = 0
        self.users = 1  # tasks using it (clone with CLONE_VM): the last one's exit or exec destroys it
        self.lock_future = False  # mlockall(MCL_FUTURE): new areas are locked (mm->def_flags's VM_LOCKED)
        #: prctl(PR_SET_THP_DISABLE)'s MMF_DISABLE_THP: fork and execve keep it (MMF_INIT_MASK). The machine
        #: has no transparent huge pages for it to turn off; it is kept and told as Linux keeps it.
        self.thp_disabled = 0  # 1, or 1 | PR_THP_DISABLE_EXCEPT_ADVISED: what PR_GET_THP_DISABLE says
        # Frames of shared memory written at one address and run at another: their phase (kernel/codealias.py).
        self.code_phase: dict[int, bool] = {}
        # Pages UFFDIO_POISON marked (PTE_MARKER_POISONED): a touch is SIGBUS until they are unmapped.
        self.poisoned: set[int] = set()
        # Guard pages (MADV_GUARD_INSTALL, PTE_MARKER_GUARD): a touch is SIGSEGV, the kernel's copy EFAULT,
        # until MADV_GUARD_REMOVE or munmap; fork copies them.
        self.guards: set[int] = set()
        # /proc/PID/coredump_filter (the MMF_DUMP_* bits of mm->flags): inherited by fork and by execve.
        self.dump_filter = 0x33

    # -- areas --

    def _index(self, va: int) -> int:
        """Index of the last area starting at or below `va`; -1 if none does."""
        return bisect.bisect_right(self.vmas, va, key=_start) - 1

    def find_vma(self, va: int) -> Vma | None:
        i = self._index(va)
        if i >= 0 and va < self.vmas[i].end:
            return self.vmas[i]
        return None

    def accessible(self, start: int, end: int, write: bool) -> int:
        """How many bytes from `start` (up to `end`) the areas let ring 3 access.

        Judged from the areas alone, so a huge range costs no page walk and
        pages nothing in: uaccess checks a user buffer with this first.
        """
        if write:
            return self._extent(start, end, lambda v: v.write)
        return self._extent(start, end, lambda v: v.read or v.write or v.execute)  # x86: any access reads

    def _extent(self, start: int, end: int, allowed: Callable[[Vma], bool]) -> int:
        """Length of the run of `allowed` areas without holes from `start`, at most `end - start`."""
        i = max(self._index(start), 0)
        at = start
        while at < end and i < len(self.vmas):
            vma = self.vmas[i]
            i += 1
            if vma.end <= at:
                continue
            if vma.start > at or not allowed(vma):
                break
            at = vma.end
        return max(min(at, end) - start, 0)

    def covers(self, start: int, end: int) -> bool:
        """Whether areas map all of [start, end), without a hole."""
        return self._extent(start, end, lambda v: True) >= end - start

    def first_sealed(self, start: int, end: int) -> Vma | None:
        """The lowest area in [start, end) that mseal sealed: what can_modify_vma refuses (EPERM)."""
        return next((v for v in self.vmas_in(start, end) if v.sealed), None)

    def vmas_in(self, start: int, end: int) -> list[Vma]:
        """The areas overlapping [start, end), found by bisection (none split)."""
        i = max(self._index(start), 0)
        last = bisect.bisect_left(self.vmas, end, key=_start)
        return [v for v in self.vmas[i:last] if v.end > start]

    def split(self, start: int, end: int) -> list[Vma]:
        """The areas inside [start, end), split at its ends (for a change to part of an area)."""
        return self._inside(start, end)

    def _split(self, addr: int) -> None:
        """Make `addr` an area boundary if it falls inside one."""
        i = self._index(addr)
        vma = self.vmas[i] if i >= 0 else None
        if vma is not None and vma.start < addr < vma.end:
            tail = vma.piece(addr, vma.end)
            vma.end = addr
            self.vmas.insert(i + 1, tail)
            self._recount()

    def merge(self, start: int, end: int) -> None:
        """Join the areas in and around [start, end) with neighbours that differ only in where they are.

        As vma_merge after mprotect, mlock or madvise: a change undone leaves one area again, so that
        mremap, which takes one area, can move the whole mapping as on Linux.
        """
        i = max(self._index(start) - 1, 0)
        while i + 1 < len(self.vmas) and self.vmas[i].start <= end:
            left, right = self.vmas[i], self.vmas[i + 1]
            if left.end == right.start and _mergeable(left, right):
                left.end = right.end
                del self.vmas[i + 1]
                self._recount()
            else:
                i += 1

    def _inside(self, start: int, end: int) -> list[Vma]:
        first, last = self._run(start, end)
        return self.vmas[first:last]

    def _run(self, start: int, end: int) -> tuple[int, int]:
        """Split at `start` and `end`: the indices [first, last) of the areas inside, found by bisection."""
        self._split(start)
        self._split(end)
        first = bisect.bisect_left(self.vmas, start, key=_start)
        last = bisect.bisect_left(self.vmas, end, key=_start)
        return first, last

    def add_vma(self, start: int, end: int, *, read: bool, write: bool, execute: bool, name: str = "",
                committed: bool = False, shared: bool = False, backing: Backing | None = None,
                pgoff: int = 0) -> Vma:
        """A new area over [start, end), replacing whatever was mapped there."""
        return self.insert_vma(Vma(start, end, read, write, execute, name, committed, shared, backing, pgoff))

    def insert_vma(self, vma: Vma) -> Vma:
        """Put `vma` in, replacing whatever was mapped over its range."""
        self.remove_range(vma.start, vma.end)
        bisect.insort(self.vmas, vma, key=_start)
        self._recount()
        if vma.backing is not None:
            vma.backing.mappers.add(self)
        return vma

    def remove_range(self, start: int, end: int) -> None:
        """munmap: drop the areas in [start, end) and free their frames."""
        first, last = self._run(start, end)
        gone = self.vmas[first:last]
        if gone:
            del self.vmas[first:last]
            self._recount()
            self._search_from = None  # a new gap
        if self.poisoned:
            markers = {p for p in self.poisoned if start <= p < end}
            self.poisoned -= markers
            self.ram.slab_charge(-len(markers) * GUARD_BYTES)
        if self.guards:
            self.unguard(start, end)
        for vma in gone:
            if vma.backing is not None and not vma.closed:
                vma.backing.closed()
            shared = vma.name in SHARED
            for _va, pte, entry in self.leaves(vma.start, vma.end):
                _Q.pack_into(self.ram.mem, pte, 0)
                if not shared:
                    self.ram.free(entry & PTE_ADDR)

    def leaves(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """(va, address of its PTE, entry) of the non-zero leaves in [start, end).

        Only the tables that exist are read, so the cost follows the pages
        mapped, not the length of the range (munmap of 2**46 bytes is cheap).
        """
        mem = self.ram.mem
        unpack = _Q.unpack_from
        found: list[tuple[int, int, int]] = []

        def walk(table: int, shift: int, base: int) -> None:
            span = 1 << shift
            first = max(start - base, 0) >> shift
            last = min((end - 1 - base) >> shift, 511 if shift < 39 else KERNEL_HALF - 1)
            for slot in range(first, last + 1):
                pte = table + 8 * slot
                (entry,) = unpack(mem, pte)
                if not entry:
                    continue
                va = base + slot * span
                if shift == 12:
                    found.append((va, pte, entry))
                elif entry & PTE_P:
                    walk(entry & PTE_ADDR, shift - 9, va)

        if start < end:
            walk(self.cr3, 39, 0)
        return found

    def guard(self, start: int, end: int) -> bool:
        """MADV_GUARD_INSTALL over [start, end): its pages go (zapped) and become guards; False (ENOMEM)
        when RAM cannot hold the markers."""
        already = sum(1 for p in self.guards if start <= p < end)
        count = (end - start) // PAGE_SIZE - already
        if not self.ram.slab_fits(count * GUARD_BYTES):
            return False  # asked before any list of pages is made: a range of terabytes costs nothing here
        self.zap(start, end)
        self.ram.slab_charge(count * GUARD_BYTES)
        self.guards.update(range(start, end, PAGE_SIZE))
        return True

    def poison(self, page: int) -> bool:
        """UFFDIO_POISON's marker on `page`, charged as a guard's; False (ENOMEM) when RAM cannot hold it."""
        if not self.ram.slab_fits(GUARD_BYTES):
            return False
        self.ram.slab_charge(GUARD_BYTES)
        self.poisoned.add(page)
        return True

    def unguard(self, start: int, end: int) -> None:
        """MADV_GUARD_REMOVE (or munmap): the guards of [start, end) go; the pages read as never touched."""
        gone = [p for p in self.guards if start <= p < end] if len(self.guards) < (end - start) // PAGE_SIZE else [
            p for p in range(page_down(start), end, PAGE_SIZE) if p in self.guards]
        self.guards.difference_update(gone)
        self.ram.slab_charge(-len(gone) * GUARD_BYTES)

    def seal(self, start: int, end: int) -> None:
        """mseal: the areas in [start, end), which the caller found to cover it, split at its ends and sealed."""
        for vma in self._inside(start, end):
            vma.sealed = True
        self.merge(start, end)

    def protect(self, start: int, end: int, *, read: bool, write: bool, execute: bool) -> bool:
        """mprotect: False if part of the range is not mapped, or RAM ran out for a private copy."""
        if self._extent(start, end, lambda v: True) < end - start:
            return False
        if any(v.name in SHARED for v in self.vmas if v.start < end and v.end > start):
            return False
        for vma in self._inside(start, end):
            vma.read, vma.write, vma.execute = read, write, execute
            if write and not vma.committed and not vma.shared:
                vma.accounted = True  # mprotect_fixup's VM_ACCOUNT
            vma.committed = vma.committed or write  # the caller charged it
            for _va, pte, entry in self.leaves(vma.start, vma.end):
                frame = entry & PTE_ADDR
                if write and not vma.shared and vma.backing is None and self.ram.is_shared(frame):
                    try:
                        frame = self._private_copy(frame)  # an executable's page made writable: its own copy now
                    except OutOfMemory:
                        return False  # ENOMEM, the areas before this page changed, as mprotect_fixup leaves them
                flags = self.pte_flags_for(vma, frame)
                if not flags & PTE_NX:
                    self.ram.code_frames.add(frame)
                _Q.pack_into(self.ram.mem, pte, frame | flags)
            if vma.backing is not None:
                for va, _pte, _entry in self.leaves(vma.start, vma.end):
                    codealias.settle(self, vma, va)
        self.merge(start, end)
        return True

    def pte_flags_for(self, vma: Vma, frame: int) -> int:
        """The PTE bits for `frame` in `vma`: a private area's shared page stays read-only until written."""
        flags = vma.pte_flags()
        if not vma.shared and vma.backing is not None and self.ram.is_shared(frame):
            flags &= ~PTE_RW  # copy on write
        return flags

    def _private_copy(self, frame: int) -> int:
        """This address space's own copy of a shared frame (whose holder it stops being)."""
        mine = self.ram.alloc()
        self.ram.mem[mine : mine + PAGE_SIZE] = self.ram.mem[frame : frame + PAGE_SIZE]
        self.ram.free(frame)
        return mine

    def set_pte(self, va: int, entry: int) -> None:
        if entry & PTE_US and not entry & PTE_NX:
            self.ram.code_frames.add(entry & PTE_ADDR)
        super().set_pte(va, entry)

    def unmapped_area(self, length: int) -> int | None:
        """The highest free range of `length` bytes below MMAP_BASE (top-down allocator).

        A search resumes where the last one stopped when it could not have
        stopped higher, so a run of mmaps costs O(log n) each, not O(n).
        """
        top, passed = MMAP_BASE, 0
        if self._search_from is not None and length > self._search_from[1]:
            top, passed = self._search_from
        for i in range(bisect.bisect_left(self.vmas, top, key=_start) - 1, -1, -1):
            vma = self.vmas[i]
            if vma.end <= top - length:
                self._search_from = (top, passed)
                return top - length
            passed = max(passed, top - vma.end)
            top = vma.start
        self._search_from = (top, passed)
        return top - length if top - length >= MMAP_MIN_ADDR else None

    def is_free(self, start: int, end: int) -> bool:
        i = self._index(start)
        if i >= 0 and self.vmas[i].end > start:
            return False
        return i + 1 >= len(self.vmas) or self.vmas[i + 1].start >= end

    def next_vma(self, va: int) -> Vma | None:
        """The first area ending above `va` (the one holding it, or the next one up)."""
        i = max(self._index(va), 0)
        while i < len(self.vmas) and self.vmas[i].end <= va:
            i += 1
        return self.vmas[i] if i < len(self.vmas) else None

    # -- pages --

    def fault_in(self, va: int, write: bool, *, user: bool = True) -> bool:
        """Demand paging: give `va` a frame if its area allows the access.

        With RAM full, a fault from user mode calls the OOM killer
        (ram.out_of_memory), which frees some and the fault tries again;
        False when it cannot, or killed the faulting process. A fault from
        the kernel's own copy to or from the user (`user` False) just fails,
        and the copy stops short, as arch/x86/mm/fault.c calls the OOM killer
        only for user-mode faults.
        """
        while True:
            try:
                return self._fault_in(va, write)
            except OutOfMemory:
                if not user or self.ram.out_of_memory is None or not self.ram.out_of_memory():
                    return False

    def _fault_in(self, va: int, write: bool) -> bool:
        vma = self.find_vma(va) or self.grow_down(va)
        if vma is None or not (vma.write if write else vma.read or vma.write or vma.execute):
            return False
        page = page_down(va)
        if (self.guards and page in self.guards) or (self.poisoned and page in self.poisoned):
            return False  # a marker, no page: SIGSEGV for a guard (the caller's), EFAULT for the kernel's copy
        entry = self.lookup(page)
        if entry & PTE_P:
            # Present: a real protection fault, unless it is the first write to a private copy-on-write page
            # or an access that a shared code page's phase shut (kernel/codealias.py).
            if self.copy_on_write_pending(page):
                return self._break_cow(vma, page, entry)
            return codealias.switch_pending(self, vma, page, entry) and codealias.switch(self, vma, page, entry)
        if entry:
            frame = entry & PTE_ADDR  # PROT_NONE kept it
        elif vma.backing is not None:
            found = vma.backing.page(vma.index(page))
            if found is None:
                return False  # past the end of the file: SIGBUS (past_end)
            frame = self.ram.share(found)
        else:
            frame = self.ram.alloc()
        try:
            self.set_pte(page, frame | self.pte_flags_for(vma, frame))
        except OutOfMemory:  # no frame left for a page table
            if not entry:
                self.ram.free(frame)
            raise
        if write and self.copy_on_write_pending(page):
            return self._break_cow(vma, page, frame | self.pte_flags_for(vma, frame))
        codealias.settle(self, vma, page)
        if write and codealias.switch_pending(self, vma, page, entry := self.lookup(page)):
            return codealias.switch(self, vma, page, entry)  # the kernel's store: the write phase
        if not write and not entry and vma.backing is not None and vma.uffd is None:
            self._fault_around(vma, page)
        return True

    def _fault_around(self, vma: Vma, page: int) -> None:
        """do_fault_around after a read fault on a file's page: the pages around it that the page cache holds
        already are mapped too, so a program running through its text takes one fault per 64 KiB, not per page.

        The window is Linux's: FAULT_AROUND_PAGES aligned, clamped to the area and to the page table of
        `page`; only empty entries are filled (not a PROT_NONE page's kept frame, a guard or a poison
        marker), and only with pages already in RAM (filemap_map_pages starts no read). A private area
        gets them read-only, copied on the first write, as the faulting page. Not in an area registered
        with a userfaultfd (uffd_disable_fault_around).
        """
        backing = vma.backing
        assert backing is not None
        slot = (page >> 12) & 511
        offset = (page - vma.start) >> 12
        first = max(slot & -FAULT_AROUND_PAGES, slot - offset)
        end = min(first + FAULT_AROUND_PAGES, 512, slot + ((vma.end - vma.start) >> 12) - offset)
        base = page - (slot << 12)
        index0 = vma.pgoff + ((base - vma.start) >> 12)  # the backing's page at `base`
        # The faulting page is among them, mapped already (map_resident would leave its entry alone): left out
        # here, so that a window holding no other page (a file's first touches) costs no page-table walk.
        cached = backing.cached(index0 + first, index0 + end)
        pages = [(va, frame) for index, frame in cached if (va := base + ((index - index0) << 12)) != page]
        if self.guards or self.poisoned:
            pages = [(va, frame) for va, frame in pages if va not in self.guards and va not in self.poisoned]
        if pages:
            self.map_resident(vma, pages)  # the table of `page` exists now: this takes no frame

    def map_resident(self, vma: Vma, pages: list[tuple[int, int]]) -> bool:
        """Map `pages`, (va, frame) in address order of the page-cache frames of `vma`'s backing, where their
        entries are empty (exec's head start, fault-around): one more holder of each, read-only in a
        private area (copied on the first write), a table's entries written in place. False when RAM ran
        out for a page table: the pages before it are mapped, the rest fault in as touched."""
        mem, ram, code = self.ram.mem, self.ram, self.ram.code_frames
        unpack, pack = _Q.unpack_from, _Q.pack_into
        flags = vma.pte_flags() & (~0 if vma.shared else ~PTE_RW)  # pte_flags_for of a frame with two holders
        executable = not flags & PTE_NX
        mapped: list[int] = []
        table_of, table = -1, 0
        try:
            for va, frame in pages:
                if va >> 21 != table_of:
                    pte = self._walk(va, True)
                    assert pte is not None
                    table_of, table = va >> 21, pte - 8 * ((va >> 12) & 511)
                at = table + 8 * ((va >> 12) & 511)
                if unpack(mem, at)[0]:
                    continue
                ram.share(frame)
                if executable:
                    code.add(frame)  # as set_pte records an executable user frame
                pack(mem, at, frame | flags)
                mapped.append(va)
        except OutOfMemory:
            return False
        finally:
            if mapped and codealias.may_mix(self, vma):
                for va in mapped:
                    codealias.settle(self, vma, va)
        return True

    def grow_down(self, va: int) -> Vma | None:
        """expand_stack: the MAP_GROWSDOWN area just above `va` reaches down to its page, unless that comes
        within stack_guard_gap of an accessible area below (or past RLIMIT_STACK's default size)."""
        above = self.next_vma(va)
        if above is None or not above.growsdown:
            return None
        start = page_down(va)
        i = self.vmas.index(above)
        below = self.vmas[i - 1] if i > 0 else None
        if below is not None and below.end > start - STACK_GUARD_GAP and not below.growsdown and (
                below.read or below.write or below.execute):
            return None
        if above.end - start > STACK_GROWTH_MAX or not self.can_add_areas(0):
            return None
        above.pgoff -= (above.start - start) // PAGE_SIZE
        above.start = start
        self._recount()
        return above

    def protection_pending(self, va: int) -> bool:
        """Whether a fault on the present page `va` is one this kernel serves (copy on write, a code phase)."""
        if self.copy_on_write_pending(va):
            return True
        vma = self.find_vma(va)
        return vma is not None and codealias.switch_pending(self, vma, page_down(va), self.lookup(page_down(va)))

    def copy_on_write_pending(self, va: int) -> bool:
        """Whether `va` is a private area's page still shared with its file: a write makes it the process's own."""
        vma = self.find_vma(va)
        if vma is None or vma.shared or vma.backing is None or not vma.write:
            return False
        entry = self.lookup(page_down(va))
        return bool(entry & PTE_P) and not entry & PTE_RW

    def _break_cow(self, vma: Vma, page: int, entry: int) -> bool:
        frame = entry & PTE_ADDR
        mine = self._private_copy(frame) if self.ram.is_shared(frame) else frame
        self.set_pte(page, mine | vma.pte_flags())
        self.ram.flush_tlb()  # the cpu may hold the read-only entry of the shared frame (a read() into the page)
        return True

    def past_end(self, va: int) -> bool:
        """Whether `va` lies in a mapping of a file (or segment) beyond its last page: SIGBUS, not SIGSEGV."""
        vma = self.find_vma(va)
        return vma is not None and vma.backing is not None and vma.backing.page(vma.index(page_down(va))) is None

    def unmap_backing(self, backing: Backing, first: int) -> None:
        """A truncate cut `backing` off before page `first`: those pages leave every area mapping it.

        Private copies of them go too, as truncate_pagecache unmaps even
        copied-on-write pages: a touch there is SIGBUS.
        """
        for vma in self.vmas:
            if vma.backing is not backing or vma.pgoff + (vma.end - vma.start) // PAGE_SIZE <= first:
                continue
            start = vma.start + max(first - vma.pgoff, 0) * PAGE_SIZE
            for _va, pte, entry in self.leaves(start, vma.end):
                _Q.pack_into(self.ram.mem, pte, 0)
                self.ram.free(entry & PTE_ADDR)
        self.ram.flush_tlb()  # this may be the running process's address space

    def zap(self, start: int, end: int) -> None:
        """Drop the pages of [start, end), keeping the areas (MADV_DONTNEED): a touch pages them in afresh.

        Anonymous private memory comes back zero-filled, a file's page or a
        shared page from its backing. The caller flushes the TLB.
        """
        for _va, pte, entry in self.leaves(start, end):
            _Q.pack_into(self.ram.mem, pte, 0)
            self.ram.free(entry & PTE_ADDR)

    def populate(self, start: int, end: int, *, write: bool) -> bool:
        """Page in [start, end) of the areas that allow access (mlock, MAP_POPULATE); False when RAM ran out."""
        for vma in [v for v in self.vmas if v.start < end and v.end > start]:
            if not (vma.read or vma.write or vma.execute):
                continue  # PROT_NONE: nothing to page in (populate_vma_page_range skips it)
            if vma.backing is None and not (write and vma.write):
                continue  # read-only anonymous memory: Linux maps its zero page, which costs nothing
            for va in range(max(vma.start, start), min(vma.end, end), PAGE_SIZE):
                entry = self.lookup(va)
                if entry & PTE_P and not (write and vma.write and self.copy_on_write_pending(va)):
                    continue
                if self.guards and va in self.guards:
                    continue  # a guard page: nothing to page in
                if self.past_end(va):
                    break  # the rest of the area lies past its file's end too: nothing to page in (SIGBUS)
                if not self.fault_in(va, write and vma.write, user=False):
                    return False
        return True

    @property
    def locked_bytes(self) -> int:
        """mm->locked_vm, in bytes."""
        return sum(v.end - v.start for v in self.vmas if v.locked)

    def move(self, start: int, end: int, new_start: int, new_end: int, *, keep_old: bool) -> None:
        """mremap's move: the area piece [start, end) to [new_start, new_end), its pages with it.

        Whatever was at the destination is unmapped first. With `keep_old`
        (MREMAP_DONTUNMAP) the old range stays mapped, empty. OutOfMemory (for
        page tables) before anything has moved.
        """
        first, last = self._run(start, end)
        assert last - first == 1, "mremap moves a range inside one area"
        old = self.vmas[first]
        # The moved area leaves its userfaultfd (mremap_userfaultfd_prep without UFFD_FEATURE_EVENT_REMAP);
        # with MREMAP_DONTUNMAP the old one stays registered, its pages now missing.
        moved = replace(old.piece(start, end), start=new_start, end=new_end, uffd=None, uffd_modes=0)
        leaves = self.leaves(start, end)
        self.remove_range(new_start, new_end)
        for va, _pte, _entry in leaves:
            self._walk(va - start + new_start, True)  # every table first: the move below cannot fail halfway
        for va, pte, entry in leaves:
            _Q.pack_into(self.ram.mem, pte, 0)
            self.set_pte(va - start + new_start, entry)
        if not keep_old:
            self.remove_range(start, end)
        bisect.insort(self.vmas, moved, key=_start)
        self._recount()
        self._search_from = None

    def expand(self, vma: Vma, new_end: int) -> None:
        """Grow `vma` in place up to `new_end` (free, checked by the caller)."""
        vma.end = new_end
        self._search_from = None

    def drop_page(self, va: int) -> None:
        """Unmap one page, keeping its area: as if it had never been touched. The caller flushes the TLB."""
        for _va, pte, entry in self.leaves(va, va + PAGE_SIZE):
            _Q.pack_into(self.ram.mem, pte, 0)
            self.ram.free(entry & PTE_ADDR)

    def user_frame(self, va: int, write: bool) -> int | None:
        pa = super().user_frame(va, write)
        if pa is None and self.fault_in(va, write, user=False):
            pa = super().user_frame(va, write)
        return pa

    def poke(self, va: int, data: bytes | bytearray | memoryview) -> None:
        """Write into this address space regardless of page protections (exec's stack, the fuzzer).

        Every page written must lie in an area; one without a frame gets one
        even if the area allows no access (PROT_NONE keeps it, not present).
        OutOfMemory if RAM runs out.
        """
        done = 0
        while done < len(data):
            at = va + done
            page = page_down(at)
            entry = self.lookup(page)
            if not entry:
                vma = self.find_vma(at)
                if vma is None:
                    raise ValueError(f"{at:#x} lies in no area")
                found = vma.backing.page(vma.index(page)) if vma.backing is not None else None
                if vma.backing is not None and found is None:
                    raise ValueError(f"{at:#x} lies past the end of its file")
                frame = self.ram.alloc() if found is None else self.ram.share(found)
                entry = frame | self.pte_flags_for(vma, frame)
                try:
                    self.set_pte(page, entry)
                except OutOfMemory:  # no frame left for a page table
                    self.ram.free(frame)
                    raise
                codealias.settle(self, vma, page)
            if self.ram.is_shared(entry & PTE_ADDR) and not self._in_shared_area(at):
                entry = self._private_copy(entry & PTE_ADDR) | (entry & ~PTE_ADDR)
                self.set_pte(page, entry)
            if entry & PTE_ADDR in self.ram.code_frames:
                self.ram.stale_code = True
            pa = (entry & PTE_ADDR) | (at & (PAGE_SIZE - 1))
            n = min(len(data) - done, PAGE_SIZE - (at & (PAGE_SIZE - 1)))
            self.ram.write(pa, data[done : done + n])
            done += n

    # -- whole address spaces --

    def map_stack(self, *, executable: bool = False) -> None:
        """The stack area; `executable` when the program asks for it (PT_GNU_STACK with PF_X)."""
        self.add_vma(STACK_TOP - STACK_MAX, STACK_TOP, read=True, write=True, execute=executable, name="[stack]")

    def grow_heap(self, old: int, new: int) -> None:
        """Map [old, new) as heap: the area ending at `old` grows if it is the heap (do_brk_flags)."""
        i = self._index(old - 1)
        prev = self.vmas[i] if i >= 0 else None
        heap = (True, True, False, "[heap]")
        if prev is not None and prev.end == old and (prev.read, prev.write, prev.execute, prev.name) == heap:
            prev.end = new
            return
        self.add_vma(old, new, read=True, write=True, execute=False, name="[heap]", committed=True).accounted = True

    def copy(self) -> Mm:
        """fork: a new address space with its own copy of every page but the shared ones.

        OutOfMemory if RAM runs out, with nothing of the copy left behind.
        """
        child = Mm(self.ram, self.kernel)
        # Memory locks are not inherited (VM_LOCKED is cleared in the child, mlockall's MCL_FUTURE too).
        # Nor is a userfaultfd registration: without UFFD_FEATURE_EVENT_FORK the child's areas have none.
        child.vmas = [v.forked() for v in self.vmas if not v.dontfork]
        child._recount()
        for vma in child.vmas:
            if vma.backing is not None:
                vma.backing.mappers.add(child)
                vma.backing.opened()
        child.start_brk, child.brk = self.start_brk, self.brk
        child.thp_disabled = self.thp_disabled
        child.dump_filter = self.dump_filter
        if self.guards:  # the markers are page-table entries on Linux, which fork copies
            if not self.ram.slab_fits(len(self.guards) * GUARD_BYTES):
                child.destroy()
                raise OutOfMemory("no room for the child's guard pages")
            child.guards = set(self.guards)
            self.ram.slab_charge(len(child.guards) * GUARD_BYTES)
        child.code_phase = dict(self.code_phase)
        # Areas whose pages the child does not get: not at all, or zero-filled on first touch.
        skipped = [(v.start, v.end) for v in self.vmas if v.dontfork or v.wipeonfork]
        try:
            self._copy_pages(child, skipped)
        except OutOfMemory:
            child.destroy()  # what was copied so far, and its tables
            raise
        return child

    def _copy_pages(self, child: Mm, skipped: list[tuple[int, int]]) -> None:
        """copy_page_range: every user leaf not in `skipped` into `child`, a page table at a time. The
        kernel's own frames (vDSO, vvar) and frames with other holders (a file's page, shared memory, a
        copy-on-write page) are mapped as they are, one more holder for the latter; the rest are copied.

        The child's table is made before any of its pages, so OutOfMemory leaves every frame taken so
        far in one of the child's tables (for destroy to give back), none held by nobody.
        """
        ram, mem = self.ram, self.ram.mem
        kernel_owned = self._kernel_owned()
        is_shared, alloc = ram.is_shared, ram.alloc
        for base, table in self.leaf_tables():
            present = self.table_entries(table)
            left_out = _within(skipped, base)
            if left_out:
                present = [(slot, entry) for slot, entry in present if not _inside(left_out, base | slot << 12)]
            if not present:
                continue
            target = child._walk(base, True)  # the child's table for these 2 MiB, at slot 0
            assert target is not None
            owned = _within(kernel_owned, base)
            # The child's table is written in one go, with whatever was done when a frame ran out.
            entries, shared, executable = [0] * 512, [], []
            try:
                for slot, entry in present:
                    frame = entry & PTE_ADDR
                    if owned and _inside(owned, base | slot << 12):
                        pass
                    elif is_shared(frame):
                        shared.append(frame)
                    else:
                        frame = alloc()
                        mem[frame : frame + PAGE_SIZE] = mem[entry & PTE_ADDR : (entry & PTE_ADDR) + PAGE_SIZE]
                        entry = frame | (entry & ~PTE_ADDR)
                    if entry & PTE_US and not entry & PTE_NX:
                        executable.append(frame)  # as set_pte records an executable user frame
                    entries[slot] = entry
            finally:
                ram.share_all(shared)
                ram.code_frames.update(executable)
                child.write_table(target, entries)

    def _kernel_owned(self) -> list[tuple[int, int]]:
        """[start, end) of the areas mapping the kernel's own frames (vDSO, vvar): nobody's to copy or free."""
        return [(v.start, v.end) for v in self.vmas if v.name in SHARED]

    def _in_shared_area(self, va: int) -> bool:
        vma = self.find_vma(va)
        return vma is not None and vma.shared

    def map_shared(self, va: int, frames: list[int], name: str) -> None:
        """Map kernel-owned frames read-only (the vDSO and vvar pages)."""
        vma = self.add_vma(va, va + len(frames) * PAGE_SIZE, read=True, write=False, execute=name == "[vdso]",
                           name=name)
        for i, frame in enumerate(frames):
            self.set_pte(va + i * PAGE_SIZE, frame | vma.pte_flags())

    def repoint_shared(self, name: str, frames: list[int]) -> None:
        """The kernel-owned pages of the areas named `name` are `frames` from now on (a time namespace's vvar
        page replacing the machine's, vdso_join_timens), wherever the process moved them."""
        for vma in self.vmas:
            if vma.name == name:
                for i, frame in enumerate(frames[: (vma.end - vma.start) // PAGE_SIZE]):
                    self.set_pte(vma.start + i * PAGE_SIZE, frame | vma.pte_flags())
        self.ram.flush_tlb()  # this may be the running process's address space

    def close_areas(self) -> None:
        """The process lets go of its areas (exit, exec), while it is still the one running: a System V
        segment records who detached last. Its pages go with destroy(), once its tables are out of CR3."""
        for vma in self.vmas:
            if vma.backing is not None and not vma.closed:
                vma.backing.closed()
                vma.closed = True

    def destroy(self) -> None:
        """Free every frame and table; the address space must not be current."""
        kernel_owned = self._kernel_owned()
        frames: list[int] = []
        for base, table in self.leaf_tables():
            owned = _within(kernel_owned, base)
            frames += [entry & PTE_ADDR for slot, entry in self.table_entries(table)
                       if not (owned and _inside(owned, base | slot << 12))]
        self.ram.free_all(frames)
        self.free_user_tables()
        self.close_areas()
        self.ram.slab_charge(-(len(self.guards) + len(self.poisoned)) * GUARD_BYTES)
        self.guards, self.poisoned = set(), set()
        self.vmas = []
        self._recount()
        self._search_from = None

    def largest_accounted(self) -> int:
        """The longest VM_ACCOUNT area a fork would charge (dup_mmap asks security_vm_enough_memory_mm for
        each; under OVERCOMMIT_GUESS one larger than RAM is refused)."""
        return max((v.end - v.start for v in self.vmas if v.accounted and not v.dontfork), default=0)

    def can_add_areas(self, count: int) -> bool:
        """Whether `count` more areas fit: under max_map_count, and with RAM for them (else ENOMEM)."""
        return len(self.vmas) + count <= MAX_MAP_COUNT and self.ram_holds_areas(count)

    def ram_holds_areas(self, count: int) -> bool:
        """Whether RAM has frames for `count` more areas of the machine (fork's copy of this one's)."""
        return self.ram.slab_fits(count * AREA_BYTES)

    def _recount(self) -> None:
        """Charge RAM for this address space's areas as they are now (see AREA_BYTES)."""
        delta = len(self.vmas) - self._counted
        if delta:
            self.ram.slab_charge(delta * AREA_BYTES)
            self._counted += delta


def _within(ranges: list[tuple[int, int]], base: int) -> list[tuple[int, int]]:
    """Those of the [start, end) `ranges` that meet the 2 MiB a last-level page table at `base` maps."""
    return [(start, end) for start, end in ranges if start < base + (PAGE_SIZE << 9) and end > base] if ranges else []


def _inside(ranges: list[tuple[int, int]], va: int) -> bool:
    return any(start <= va < end for start, end in ranges)


def _start(vma: Vma) -> int:
    return vma.start


def _mergeable(left: Vma, right: Vma) -> bool:
    """Whether `right`, just above `left`, is the same mapping: same flags, same backing at the next page."""
    if replace(right, start=left.start, end=left.end, pgoff=left.pgoff) != left:
        return False
    return left.backing is None or right.pgoff == left.index(left.end)

