"""/proc/PID/smaps and /proc/PID/pagemap (fs/proc/task_mmu.c): a process's memory, area by area and page by page.

smaps is maps with each area's sizes after its line: its size, how much of it
is resident, and how much of that is locked (mlock). The machine keeps no
count of a frame's mappers, so the proportional set size is not shown, and a
locked area's Locked is its resident size (Linux's too for pages only it maps).

pagemap holds 64 bits per virtual page, read at offset (page number * 8):
bit 63 says the page is present, bit 61 that it is a file's or shared, and
bits 0-54 its frame number, shown only to a reader with CAP_SYS_ADMIN.
"""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING, Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.hw.paging import PTE_ADDR, PTE_P, PTE_RW
from syscalltbl.machine.kernel.mm import SHARED
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.kernel.vfs import Inode, OpenFile, Regular
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EINVAL, ESRCH, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.mm import Vma
    from syscalltbl.machine.kernel.process import Task

KIB: Final = 1024
PM_ENTRY_BYTES: Final = 8
PM_PRESENT: Final = 1 << 63
PM_FILE: Final = 1 << 61
PM_GUARD_REGION: Final = 1 << 58  # a guard page (MADV_GUARD_INSTALL)
PM_PFRAME_MASK: Final = (1 << 55) - 1
#: The most entries one read returns (a short read): a guest's huge buffer must not become a huge host string.
PAGEMAP_READ_MAX: Final = 8192


def render_smaps(t: Task, maps: bytes) -> bytes:
    """smaps: each line of `maps` (render_maps's, one per area, in order) followed by the area's sizes."""
    if t.status is not None:
        return b""
    vmas = list(t.mm.vmas)
    resident = [0] * len(vmas)
    starts = [v.start for v in vmas]
    for va, entry in t.mm.user_leaves():
        if entry & PTE_P:
            i = _area_index(starts, va)
            if i >= 0 and va < vmas[i].end:
                resident[i] += 1
    out = []
    for line, v, pages in zip(maps.splitlines(), vmas, resident, strict=True):
        rss = pages * PAGE_SIZE // KIB
        rows = [("Size", (v.end - v.start) // KIB), ("KernelPageSize", PAGE_SIZE // KIB),
                ("MMUPageSize", PAGE_SIZE // KIB), ("Rss", rss), ("Swap", 0), ("Locked", rss if v.locked else 0)]
        out.append(line.decode() + "\n" + "".join(f"{name + ':':<16}{value:8d} kB\n" for name, value in rows))
    return "".join(out).encode()


def _area_index(starts: list[int], va: int) -> int:
    """The index of the last area starting at or below `va` (-1: none)."""
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= va:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


class PagemapFile(Inode):
    """/proc/PID/pagemap: read at an offset of 8 bytes a page; 0400, its owner's (the process's)."""

    def __init__(self, owner: Task) -> None:
        super().__init__(stat.S_IFREG | 0o400)
        self.owner = owner

    def seekable(self) -> bool:
        return True

    def read_by(self, f: OpenFile, count: int, reader: Task) -> bytes:
        t = self.owner
        if t.machine.tasks.get(t.tid) is not t:
            raise Errno(ESRCH)
        if f.offset % PM_ENTRY_BYTES or count % PM_ENTRY_BYTES:
            raise Errno(EINVAL)
        if t.status is not None:
            return b""
        first = f.offset // PM_ENTRY_BYTES
        last = min(first + count // PM_ENTRY_BYTES, first + PAGEMAP_READ_MAX, TASK_SIZE_MAX // PAGE_SIZE)
        show_pfn = reader.cred.capable(CAP_SYS_ADMIN)
        out = bytearray()
        for page in range(first, last):
            va = page * PAGE_SIZE
            entry = t.mm.lookup(va)
            value = 0
            if entry & PTE_P:
                value = PM_PRESENT | (((entry & PTE_ADDR) >> 12) & PM_PFRAME_MASK if show_pfn else 0)
                area = t.mm.find_vma(va)
                if area is not None and (area.shared or isinstance(area.backing, Regular)):
                    value |= PM_FILE
            elif t.mm.guards and va in t.mm.guards:
                value = PM_GUARD_REGION
            out += value.to_bytes(PM_ENTRY_BYTES, "little")
        f.offset += len(out)
        return bytes(out)


def status_memory(t: Task) -> list[str]:
    """The Vm* and Rss* lines of /proc/PID/status (fs/proc/task_mmu.c's task_mem), in KiB; none for a process
    whose memory is gone (a zombie has no mm).

    The machine keeps no high-water marks of a running process, so VmPeak and VmHWM are its present VmSize
    and VmRSS; nothing is ever swapped out (VmSwap 0) nor pinned (VmPin 0, no RDMA or io_uring buffers).
    """
    if t.status is not None:
        return []
    mm = t.mm
    vmas = list(mm.vmas)
    starts = [v.start for v in vmas]
    anon = file = shmem = 0
    for va, entry in mm.user_leaves():
        if not entry & PTE_P:
            continue
        i = _area_index(starts, va)
        if i < 0 or va >= vmas[i].end:
            continue
        v = vmas[i]
        if v.backing is None and v.name not in SHARED:
            anon += 1  # MM_ANONPAGES
        elif isinstance(v.backing, SharedAnon):
            shmem += 1  # MM_SHMEMPAGES: shared anonymous memory, System V segments
        elif not v.shared and v.backing is not None and entry & PTE_RW:
            anon += 1  # a private mapping's page once written: the process's own copy
        else:
            file += 1  # MM_FILEPAGES: the page cache's frames (and the vDSO's)
    total_vm = sum(v.end - v.start for v in vmas)
    stack_vm = sum(v.end - v.start for v in vmas if _is_stack(v))
    data_vm = sum(v.end - v.start for v in vmas if v.write and not v.shared and not _is_stack(v))
    exec_vm = sum(v.end - v.start for v in vmas if v.execute and not v.write and not _is_stack(v))
    # The program's own text (end_code - start_code): its executable areas; the rest of exec_vm is VmLib.
    text = sum(v.end - v.start for v in vmas
               if v.execute and not v.write and v.backing is not None and v.backing is t.exe_file)
    text = min(text, exec_vm)
    rss = (anon + file + shmem) * PAGE_SIZE
    rows = [("VmPeak", total_vm), ("VmSize", total_vm), ("VmLck", mm.locked_bytes), ("VmPin", 0),
            ("VmHWM", rss), ("VmRSS", rss), ("RssAnon", anon * PAGE_SIZE), ("RssFile", file * PAGE_SIZE),
            ("RssShmem", shmem * PAGE_SIZE), ("VmData", data_vm), ("VmStk", stack_vm), ("VmExe", text),
            ("VmLib", exec_vm - text), ("VmPTE", mm.user_table_count() * PAGE_SIZE), ("VmSwap", 0)]
    return [f"{name}:\t{value // KIB:8d} kB" for name, value in rows]


def _is_stack(v: Vma) -> bool:
    """VM_STACK: the main stack, and areas that grow down (MAP_GROWSDOWN)."""
    return v.growsdown or v.name == "[stack]"
