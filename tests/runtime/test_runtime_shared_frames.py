"""Random sequences of the address-space operations behind mmap, fork, mprotect, mremap, madvise, munmap,
truncate and exit, over shared anonymous memory, a file mapped shared and private, and private memory; after
every step each frame's reference count must be exactly its holders (page-table entries, the shared memory
objects and the file's page cache), and at the end every frame and every reserved page is back."""

from __future__ import annotations

import gc
import random

import pytest

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.paging import PTE_ADDR
from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.kernel.vfs import Regular
from syscalltbl.machine.machine import Machine

PAGES = 8  # per area: small, so that areas overlap and alias often


def _audit(machine: Machine, mms: list[Mm], objects: list[SharedAnon], files: list[Regular]) -> None:
    ram = machine.ram
    held: dict[int, int] = {}
    for mm in mms:
        for va, entry in mm.user_leaves():
            vma = mm.find_vma(va)
            assert vma is not None, f"a page at {va:#x} outside every area"
            if vma.name in ("[vdso]", "[vvar]"):
                continue
            held[entry & PTE_ADDR] = held.get(entry & PTE_ADDR, 0) + 1
    for obj in objects:
        for frame in obj.frames.values():
            held[frame] = held.get(frame, 0) + 1
    for f in files:
        for frame in f.pages.frames.values():
            held[frame] = held.get(frame, 0) + 1
    for frame, count in held.items():
        if frame in machine.vdso_frames or frame == machine.vvar_frame:
            continue
        assert ram.holders(frame) == count, f"frame {frame:#x}: {ram.holders(frame)} holders counted, {count} found"


@pytest.mark.parametrize("seed", range(12))
def test_shared_frames_are_counted_exactly(seed: int) -> None:
    rng = random.Random(seed)
    machine = Machine()
    ram = machine.ram
    gc.collect()
    baseline = (ram.frames_in_use, ram.reserved, ram.slab)
    inode = machine.fs.add_file(b"/mapped", bytes(range(256)) * (PAGES * PAGE_SIZE // 256), 0o644)
    inode.map_into(ram)
    mms = [Mm(ram, machine.kmm)]
    objects: list[SharedAnon] = []
    for _ in range(300):
        mm = rng.choice(mms)
        op = rng.randrange(10)
        start = 0x10000000 + rng.randrange(4 * PAGES) * PAGE_SIZE
        end = start + rng.randrange(1, PAGES + 1) * PAGE_SIZE
        if op == 0:
            objects.append(SharedAnon(ram, PAGES * PAGE_SIZE))
            mm.add_vma(start, end, read=True, write=True, execute=rng.random() < 0.3, shared=True,
                       backing=objects[-1])
        elif op == 1:
            shared = rng.random() < 0.5
            mm.add_vma(start, end, read=True, write=rng.random() < 0.7, execute=rng.random() < 0.3, shared=shared,
                       backing=inode, pgoff=rng.randrange(2))
        elif op == 2:
            mm.add_vma(start, end, read=True, write=True, execute=False)
        elif op in (3, 4):
            for va in range(start, end, PAGE_SIZE):
                mm.fault_in(va, rng.random() < 0.5, user=False)
        elif op == 5:
            mm.protect(start, end, read=True, write=rng.random() < 0.5, execute=rng.random() < 0.3)
        elif op == 6:
            mm.remove_range(start, end)
        elif op == 7:
            if len(mms) < 4:
                mms.append(mm.copy())
            elif len(mms) > 1:
                mms.remove(mm)
                mm.destroy()
        elif op == 8 and mm.vmas and rng.random() < 0.5:
            # mremap: a piece of one area moves (or is copied, DONTUNMAP), its pages along.
            first, last = rng.choice([(v.start, v.end) for v in mm.vmas])
            target = 0x20000000 + rng.randrange(4 * PAGES) * PAGE_SIZE
            size = min(last - first, end - start)
            if mm.is_free(target, target + size + PAGE_SIZE):
                mm.move(first, first + size, target, target + size + PAGE_SIZE, keep_old=rng.random() < 0.3)
        elif op == 8:
            mm.zap(start, end)
        else:
            inode.truncate(rng.randrange(PAGES + 2) * PAGE_SIZE - rng.randrange(2) * 100 if rng.random() < 0.5
                           else PAGES * PAGE_SIZE)
        _audit(machine, mms, objects, [inode])
    for mm in mms:
        mm.destroy()
    mms.clear()
    del objects[:], mm
    machine.fs.root.remove(b"mapped")
    del inode
    gc.collect()
    assert (ram.frames_in_use, ram.reserved, ram.slab) == baseline
