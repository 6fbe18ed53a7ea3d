"""Shared memory objects: the frames behind MAP_SHARED mappings (mm/shmem.c's role for anonymous memory).

A mapping of one of these maps the object's own frame for each page, so every
address space mapping it (after fork, or a System V segment attached twice)
reads and writes the same RAM. The object holds one reference on each of its
frames (PhysicalMemory's refcount) and each mapping one more; its frames go
back to RAM when the object does.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Protocol

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.physmem import PhysicalMemory

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.mm import Mm


class Backing(Protocol):
    """What a MAP_SHARED area (or a private file mapping) takes its pages from."""

    #: The address spaces mapping it, so that a truncate can unmap pages past the end.
    mappers: weakref.WeakSet[Mm]

    def page(self, index: int) -> int | None:
        """The frame of page `index` (made on first use; OutOfMemory when RAM is full), None past the end (SIGBUS)."""
        ...

    def resident_in(self, first: int, end: int) -> list[int]:
        """The pages in [first, end) that are in RAM now (mincore), mapped here or not."""
        ...

    def cached(self, first: int, end: int) -> list[tuple[int, int]]:
        """(index, frame) of the pages in [first, end) that are in RAM now, none made here; none at all for
        memory without fault-around (no vm_ops->map_pages: only a file's page cache has one here)."""
        ...

    def punch(self, first: int, count: int) -> None:
        """MADV_REMOVE: pages [first, first + count) read as zeros from now on."""
        ...

    def opened(self) -> None:
        """An area mapping it was made by fork (vm_ops->open)."""
        ...

    def closed(self) -> None:
        """An area mapping it is gone: munmap, exit or exec (vm_ops->close)."""
        ...


class SharedAnon:
    """MAP_SHARED|MAP_ANONYMOUS memory and System V segments: zero-filled pages, `size` bytes of them."""

    def __init__(self, ram: PhysicalMemory, size: int) -> None:
        self.ram = ram
        self.size = size
        self.frames: dict[int, int] = {}
        self.mappers: weakref.WeakSet[Mm] = weakref.WeakSet()
        weakref.finalize(self, _free_all, ram, self.frames).atexit = False  # at exit RAM goes as a whole

    def page(self, index: int) -> int | None:
        if index * PAGE_SIZE >= self.size:
            return None
        frame = self.frames.get(index)
        if frame is None:
            frame = self.frames[index] = self.ram.alloc()
        return frame

    def resident_in(self, first: int, end: int) -> list[int]:
        return [i for i in self.frames if first <= i < end]

    def cached(self, first: int, end: int) -> list[tuple[int, int]]:
        return []  # System V segments have no map_pages (shm_vm_ops): each page faults on its own

    def punch(self, first: int, count: int) -> None:
        for index, frame in self.frames.items():  # what it holds, not the range: that may be terabytes
            if first <= index < first + count:
                self.ram.zero(frame)

    def opened(self) -> None:
        pass

    def closed(self) -> None:
        pass

    @property
    def resident_pages(self) -> int:
        """Pages it holds in RAM."""
        return len(self.frames)


def _free_all(ram: PhysicalMemory, frames: dict[int, int]) -> None:
    """The object is gone (no mapping holds it any more): its own reference on each frame goes."""
    for frame in frames.values():
        ram.free(frame)
    frames.clear()
