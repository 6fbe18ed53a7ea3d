"""The fuzzer's file-mapping steps: mmap of a file at offsets, MAP_FIXED over what is there,
mprotect and munmap splitting areas, msync, truncates under mappings, and touches of the pages.

Random words almost never make a mapping of a file at all, so between its
random calls the fuzzer takes one of these steps now and then, drawn from a
random sequence of their own: with them turned off, a seed replays the
calls it made before they existed.
Each is a call on the fuzzer's descriptor 3, a regular file, or on the
areas that map it; or a touch: the fuzzing program itself reads or writes
one byte of such an area, in ring 3, so the page fault is real. The fuzzer
predicts what a touch must do, from the area and the file's size alone:
SIGSEGV where the area does not allow it, SIGBUS on a page past the end of
the file (truncated under the mapping), else the byte; a MAP_SHARED page
must read what the file holds and a write there must reach the file, and a
write to a MAP_PRIVATE page must not.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from syscalltbl.machine.kernel.mm import Mm, Vma
from syscalltbl.machine.kernel.vfs import Regular
from syscalltbl.machine.uapi.mman import (
    MAP_FIXED,
    MAP_PRIVATE,
    MAP_SHARED,
    MS_ASYNC,
    MS_INVALIDATE,
    MS_SYNC,
    PROT_EXEC,
    PROT_NONE,
    PROT_READ,
    PROT_WRITE,
)
from syscalltbl.machine.uapi.signal import SIGBUS, SIGSEGV

PAGE = 4096
FD = 3  # the descriptor the fuzzer keeps on a regular file
#: A slot's first word that asks the fuzzing program for a touch instead of a call.
TOUCH = (1 << 64) - 16
TOUCH_BYTE = 0x5A  # what a write touch stores
#: One in this many of the fuzzer's steps is a file step.
EVERY = 8
#: Of the touches predicted to fault, one in this many is made: the signal ends the fuzzing process, and
#: each fresh machine costs the run time (and, as the fuzzer restarts today, host memory it keeps).
FAULTING = 256
TOUCH_TRIES = 4  # places tried for a touch that need not fault, before an msync instead
PROTS = (PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC)
MSYNC_FLAGS = (MS_ASYNC, MS_SYNC, MS_INVALIDATE, MS_SYNC | MS_INVALIDATE, MS_ASYNC | MS_SYNC)
SIZES = (0, 100, PAGE, PAGE + 1, 2 * PAGE, 3 * PAGE + 7)


@dataclass(frozen=True, slots=True)
class Touch:
    """A touch the fuzzing program was asked to make, and what must come of it."""

    va: int
    write: bool
    fault: int | None  # the signal it must raise, or None
    file: Regular | None  # the file whose page it is (None: no file page, or one past the end)
    offset: int  # the byte's offset in the file
    shared: bool
    before: int | None  # the file's byte before the touch, where it has one


def _file_byte(file: Regular, offset: int) -> int | None:
    if offset >= file.size():
        return None
    return file.pages.read(offset, offset + 1)[0]  # one byte: a sparse file may be far larger than the host's RAM


def predict(mm: Mm, va: int, write: bool) -> Touch:
    """What a one-byte access at `va` must do, from the area and the file alone."""
    vma = mm.find_vma(va)
    if vma is None or not (vma.write if write else vma.read or vma.write):
        return Touch(va, write, SIGSEGV, None, 0, False, None)
    backing = vma.backing
    if not isinstance(backing, Regular):
        return Touch(va, write, None, None, 0, vma.shared, None)
    index = vma.index(va - va % PAGE)
    offset = index * PAGE + va % PAGE
    if index >= -(-backing.size() // PAGE):
        return Touch(va, write, SIGBUS, None, offset, vma.shared, None)
    if backing.unallocated(index) and not backing.room_for_a_page():
        return Touch(va, write, SIGBUS, None, offset, vma.shared, None)  # a hole the full filesystem cannot fill
    return Touch(va, write, None, backing, offset, vma.shared, _file_byte(backing, offset))


def verify(touch: Touch, value: int) -> str | None:
    """After a touch that returned `value` (a read's byte): what went wrong, or None."""
    if touch.fault is not None:
        return f"a touch at {touch.va:#x} returned instead of raising signal {touch.fault}"
    file = touch.file
    if file is None:
        return None
    now = _file_byte(file, touch.offset)
    if not touch.write and touch.shared and now is not None and value != now:
        return f"MAP_SHARED byte at {touch.va:#x} reads {value:#x}, the file holds {now!r} at {touch.offset}"
    if touch.write and touch.shared and touch.before is not None and now != TOUCH_BYTE:
        return f"a write at {touch.va:#x} to a MAP_SHARED page left the file's byte {touch.offset} at {now!r}"
    if touch.write and not touch.shared and now != touch.before:
        return f"a write at {touch.va:#x} to a MAP_PRIVATE page changed the file's byte {touch.offset}"
    return None


class FileSteps:
    """The file steps for one fuzzing process: (shown call, slot words, touch or None)."""

    def __init__(self, rng: random.Random, numbers: Mapping[str, int]) -> None:
        self.rng = rng
        self.numbers = numbers

    def areas(self, mm: Mm, file: Regular) -> list[Vma]:
        return [v for v in mm.vmas if v.backing is file]

    def step(self, mm: Mm, file: Regular, *, may_touch: bool) -> tuple[str, list[int], Touch | None]:
        rng = self.rng
        areas = self.areas(mm, file)
        kind = rng.randrange(7) if areas else 0
        if kind == 6 and not may_touch:
            kind = 0
        if kind == 0:
            return self._mmap(areas)
        area = rng.choice(areas)
        pages = (area.end - area.start) // PAGE
        first = area.start + PAGE * rng.randrange(pages)
        if kind == 1:
            length = PAGE * rng.randrange(1, pages + 1)
            return (*self._call("mprotect", [first, length, rng.choice(PROTS)]), None)
        if kind == 2:
            return (*self._call("munmap", [first, PAGE * rng.randrange(1, 3)]), None)
        if kind == 3:
            return (*self._call("msync", [area.start, area.end - area.start, rng.choice(MSYNC_FLAGS)]), None)
        if kind in (4, 5):
            return (*self._call("ftruncate", [FD, rng.choice(SIZES)]), None)
        return self._touch(mm, areas)

    def _touch(self, mm: Mm, areas: list[Vma]) -> tuple[str, list[int], Touch | None]:
        """A touch of a byte of one of the areas: one that must fault only now and then (FAULTING)."""
        rng = self.rng
        for _ in range(TOUCH_TRIES):
            area = rng.choice(areas)
            va = area.start + rng.randrange(area.end - area.start)
            write = bool(rng.randrange(2))
            touch = predict(mm, va, write)
            if touch.fault is None or not rng.randrange(FAULTING):
                return f"touch({va:#x}, {'write' if write else 'read'})", [TOUCH, va, int(write)], touch
        area = rng.choice(areas)
        return (*self._call("msync", [area.start, area.end - area.start, MS_ASYNC]), None)

    def _mmap(self, areas: list[Vma]) -> tuple[str, list[int], Touch | None]:
        rng = self.rng
        flags = rng.choice((MAP_PRIVATE, MAP_SHARED))
        addr = 0
        if areas and rng.randrange(3) == 0:  # over what is there: a file area, maybe from its middle
            area = rng.choice(areas)
            addr = area.start + PAGE * rng.randrange((area.end - area.start) // PAGE)
            flags |= MAP_FIXED
        length = PAGE * rng.randrange(1, 4)
        return (*self._call("mmap", [addr, length, rng.choice(PROTS), flags, FD, PAGE * rng.randrange(4)]), None)

    def _call(self, name: str, args: list[int]) -> tuple[str, list[int]]:
        return f"{name}({', '.join(hex(a) for a in args)})", [self.numbers[name], *args]
