"""A page of shared memory mapped writable at one address and executable at another of the same process.

QEMU notices a store into a page it has translated code from only when the
store's TLB entry was made after the translation: a store through a second,
writable mapping of the frame whose TLB entry is older goes unseen, and the
old translation runs on (measured: tests/runtime/data/shm_code.c, the
double-mapped JIT pattern). Another process is never affected, since its
TLB starts empty after the switch of CR3.

So such a frame is, for this address space, in one of two phases: "exec",
where its writable mappings are read-only, or "write", where its executable
mappings are not executable. A fault on the side that is shut switches the
phase and flushes the TLB, so every store after a translation goes through a
fresh TLB entry, which QEMU watches (Linux needs none of this: the cpu's
caches are coherent; only the cost differs, two faults per switch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.paging import PTE_ADDR, PTE_NX, PTE_P, PTE_RW

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.mm import Mm, Vma


def mappings(mm: Mm, vma: Vma, va: int, frame: int) -> list[tuple[Vma, int]]:
    """Every (area, address) of `mm` where `frame`, the backing's page at `va` in `vma`, is mapped."""
    backing = vma.backing
    if backing is None:
        return [(vma, va)]
    index = vma.index(va)
    found = []
    for v in mm.vmas:
        if v.backing is backing and v.pgoff <= index < v.pgoff + (v.end - v.start) // PAGE_SIZE:
            at = v.start + (index - v.pgoff) * PAGE_SIZE
            if mm.lookup(at) & PTE_ADDR == frame:
                found.append((v, at))
    return found


def _mixed(found: list[tuple[Vma, int]]) -> bool:
    """Written through one mapping and run through another: the case QEMU cannot follow."""
    writers = {at for v, at in found if v.write and v.shared}
    runners = {at for v, at in found if v.execute}
    return bool(writers and runners and len(writers | runners) > 1)


def may_mix(mm: Mm, vma: Vma) -> bool:
    """Whether a page of `vma` can be in the mix at all: some area maps its backing writable and shared (a
    frame in the mix has such a writer) or a frame has a phase already. Areas only, no page-table walk."""
    backing = vma.backing
    if backing is None:
        return False
    return bool(mm.code_phase) or any(v.backing is backing and v.write and v.shared for v in mm.vmas)


def settle(mm: Mm, vma: Vma, va: int) -> None:
    """The entry of `va` changed (paged in, mprotect): its frame's mappings get the bits of its phase.

    Only a mapping that writes shared memory or runs code can make the mix (the scan is over all areas),
    and only where some area writes the backing shared or a phase is kept (may_mix).
    """
    if vma.backing is None or (not (vma.execute or (vma.write and vma.shared)) and not mm.code_phase):
        return
    if not may_mix(mm, vma):
        return
    frame = mm.lookup(va) & PTE_ADDR
    if not frame:
        return
    found = mappings(mm, vma, va, frame)
    if _mixed(found):
        _apply(mm, frame, found, mm.code_phase.setdefault(frame, True))
    elif mm.code_phase.pop(frame, None) is not None:
        _apply(mm, frame, found, None)  # no longer both: every mapping gets its area's bits back


def switch_pending(mm: Mm, vma: Vma, va: int, entry: int) -> bool:
    """Whether a fault on the present page `va` is a store or a fetch that the phase shut, not a real one."""
    if not entry & PTE_P or entry & PTE_ADDR not in mm.code_phase:
        return False
    return bool((vma.write and vma.shared and not entry & PTE_RW) or (vma.execute and entry & PTE_NX))


def switch(mm: Mm, vma: Vma, va: int, entry: int) -> bool:
    """Open the side the fault at `va` needs: a store gets the write phase, a fetch the exec phase."""
    frame = entry & PTE_ADDR
    found = mappings(mm, vma, va, frame)
    to_exec = bool(vma.execute and entry & PTE_NX)
    if _mixed(found):
        mm.code_phase[frame] = to_exec
        _apply(mm, frame, found, to_exec)
    else:
        mm.code_phase.pop(frame, None)
        _apply(mm, frame, found, None)
    return True


def _apply(mm: Mm, frame: int, found: list[tuple[Vma, int]], exec_phase: bool | None) -> None:
    for v, at in found:
        flags = mm.pte_flags_for(v, frame)
        if exec_phase is True:
            flags &= ~PTE_RW
        elif exec_phase is False and v.execute:
            flags |= PTE_NX
        mm.set_pte(at, frame | flags)
    mm.ram.flush_tlb()
