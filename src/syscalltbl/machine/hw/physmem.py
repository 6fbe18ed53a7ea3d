"""Physical memory: one host mapping that Unicorn uses as the machine's RAM.

The kernel side (Python) reads and writes RAM through this buffer directly,
so inspecting pt_regs or copying from user pages needs no call into Unicorn.
"""

from __future__ import annotations

import ctypes
import mmap
import weakref
from collections.abc import Callable
from typing import Protocol

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.cpu import Cpu
from syscalltbl.tables.errors import SyscalltblError


class OutOfMemory(MemoryError):
    pass


class _Pages(Protocol):
    pages: int


class PhysicalMemory:
    """RAM at physical address 0 and a page-frame allocator over it."""

    def __init__(self, cpu: Cpu, size: int) -> None:
        if size % PAGE_SIZE:
            raise ValueError("RAM size must be a whole number of pages")
        # Anonymous and lazily backed: untouched frames cost no host memory.
        try:
            self._map = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        except (OSError, OverflowError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "too large"
            raise SyscalltblError(f"cannot reserve {size >> 20} MiB of host memory for the machine's RAM "
                                  f"(--memory): {reason}") from None
        self.mem = memoryview(self._map)
        self.size = size
        address = ctypes.addressof(ctypes.c_char.from_buffer(self._map))
        #: Where physical address 0 is in this process (for hooks in machine code that store into RAM).
        self.host_address = address
        cpu.map_ram(0, size, address)  # all permissions: the page tables decide
        # Weakly: a file's or a segment's finalizer holds its RAM (weakref.finalize's registry is
        # global), and through the cpu's hooks RAM would hold the whole machine alive with it.
        self._cpu = weakref.proxy(cpu)
        # Frame 0 stays unused so that a zero physical address is always a bug.
        self._next = 1
        self._free: list[int] = []
        # Frames with more than one holder (a page-cache frame and the
        # processes mapping it): the holders beyond the first.
        self._extra_holders: dict[int, int] = {}
        # Frames ever mapped executable in user mode: only these can have
        # translated code. The host writes frames behind QEMU's back, so it
        # cannot notice when such code goes stale: reusing one of these frames,
        # or a kernel write into one (read() into an RWX buffer), sets
        # `stale_code`; the system call then ends the time slice, and the
        # scheduler flushes the translation cache before the cpu runs again.
        self.code_frames: set[int] = set()
        self.stale_code = False
        # Frames promised to the in-memory filesystem, whose file data the host holds
        # (tmpfs pages are RAM): no allocation may take them.
        self.reserved = 0
        # Bytes of the kernel's own objects that the host holds for the guest (areas, descriptors),
        # in RAM as Linux's slab caches are: whole frames of them are part of `reserved`.
        self.slab = 0
        #: The OOM killer (kernel/oom.py): called when a page fault finds no frame;
        #: True when it freed memory, so the fault may try again.
        self.out_of_memory: Callable[[], bool] | None = None

    def alloc(self, count: int = 1) -> int:
        """Physical address of `count` contiguous zeroed frames."""
        if self.frames_in_use + self.reserved + count > self.frames:
            raise OutOfMemory(f"out of physical memory ({self.size // 2**20} MiB)")
        if count == 1 and self._free:
            pa = self._free.pop() * PAGE_SIZE
            if pa in self.code_frames:
                self.code_frames.discard(pa)
                self.stale_code = True
            return pa  # zero already: free() gave its host page back
        frame = self._next
        if (frame + count) * PAGE_SIZE > self.size:
            raise OutOfMemory(f"out of physical memory ({self.size // 2**20} MiB)")
        self._next += count
        return frame * PAGE_SIZE

    @property
    def frames(self) -> int:
        """Frames that can ever be allocated (frame 0 never is)."""
        return self.size // PAGE_SIZE - 1

    @property
    def frames_in_use(self) -> int:
        return self._next - 1 - len(self._free)

    @property
    def free_bytes(self) -> int:
        """RAM neither in a frame in use nor holding file data: what sysinfo and /proc/meminfo call free."""
        return self.size - (self.frames_in_use + self.reserved) * PAGE_SIZE

    def reserve(self, count: int) -> bool:
        """Set `count` frames aside (file data); False, with nothing set aside, if RAM has not that many free."""
        if self.frames_in_use + self.reserved + count > self.frames:
            return False
        self.reserved += count
        return True

    def unreserve(self, count: int) -> None:
        self.reserved -= count

    def unreserve_charge(self, charge: _Pages) -> None:
        """A holder of reserved frames is gone (a pipe): its frames come back."""
        self.unreserve(charge.pages)
        charge.pages = 0

    def slab_fits(self, size: int) -> bool:
        """Whether RAM has the frames for `size` more bytes of kernel objects."""
        frames = _frames(self.slab + size) - _frames(self.slab)
        return self.frames_in_use + self.reserved + frames <= self.frames

    def slab_charge(self, size: int) -> None:
        """`size` bytes of kernel objects made (negative: freed); the caller asked slab_fits first."""
        before = _frames(self.slab)
        self.slab += size
        self.reserved += _frames(self.slab) - before

    def alloc_reserved(self) -> int:
        """A zeroed frame for data that one of the `reserved` frames paid for (a file's page, now mapped).

        The reservation becomes the frame, so RAM counts the page once.
        """
        self.unreserve(1)
        try:
            return self.alloc()
        except OutOfMemory:
            self.reserved += 1
            raise

    def free(self, pa: int) -> bool:
        """One holder lets go of the frame; the last one returns it to the allocator (True)."""
        extra = self._extra_holders.get(pa)
        if extra is not None:
            if extra == 1:
                del self._extra_holders[pa]
            else:
                self._extra_holders[pa] = extra - 1
            return False
        self._free.append(pa // PAGE_SIZE)
        # The host page goes back to the host (and reads as zeros again): the host process
        # holds only the frames in use, whatever the guest used once and freed.
        self._map.madvise(mmap.MADV_DONTNEED, pa, PAGE_SIZE)
        return True

    def free_all(self, frames: list[int]) -> None:
        """free() for each of `frames` (an address space's, as it goes): the host pages of those whose last
        holder this was go back in one madvise per run of adjacent frames, not one per frame."""
        extra, released = self._extra_holders, []
        for pa in frames:
            count = extra.get(pa)
            if count is None:
                released.append(pa)
            elif count == 1:
                del extra[pa]
            else:
                extra[pa] = count - 1
        if not released:
            return
        self._free += [pa // PAGE_SIZE for pa in released]
        released.sort()
        start = end = released[0]
        for pa in released[1:]:
            if pa != end + PAGE_SIZE:
                self._map.madvise(mmap.MADV_DONTNEED, start, end + PAGE_SIZE - start)
                start = pa
            end = pa
        self._map.madvise(mmap.MADV_DONTNEED, start, end + PAGE_SIZE - start)

    def share_all(self, frames: list[int]) -> None:
        """share() for each of `frames` (fork's copy of a page table's file and shared pages)."""
        extra = self._extra_holders
        for pa in frames:
            extra[pa] = extra.get(pa, 0) + 1

    def share(self, pa: int) -> int:
        """One more holder of the frame (a process mapping a page-cache page); returns `pa`."""
        self._extra_holders[pa] = self._extra_holders.get(pa, 0) + 1
        return pa

    def is_shared(self, pa: int) -> bool:
        return pa in self._extra_holders

    def holders(self, pa: int) -> int:
        """How many hold the frame (for a frame in use)."""
        return 1 + self._extra_holders.get(pa, 0)

    def zero(self, pa: int, size: int = PAGE_SIZE) -> None:
        """Host-side zeroing of part of a frame: code translated from it is stale."""
        self.mem[pa : pa + size] = bytes(size)
        if pa & ~(PAGE_SIZE - 1) in self.code_frames:
            self.stale_code = True

    def flush_tlb(self) -> None:
        """The kernel changed a present page's entry behind a running process (a copy on write it made, a
        truncate unmapping a file's pages): the cpu must not go on with what it cached of the old one."""
        self._cpu.flush_tlb()

    def read(self, pa: int, size: int) -> bytes:
        return bytes(self.mem[pa : pa + size])

    def write(self, pa: int, data: bytes | bytearray | memoryview) -> None:
        self.mem[pa : pa + len(data)] = data


def _frames(size: int) -> int:
    return -(-size // PAGE_SIZE)
