"""An io_uring instance (io_uring/io_uring.c, io_uring/memmap.c, io_uring/rsrc.c): the rings a program and
the kernel share, and what is registered with it.

The rings are pages of RAM (a shared memory object, kernel/shmem.py) that
the program maps from the descriptor at IORING_OFF_SQ_RING or
IORING_OFF_CQ_RING (one region: IORING_FEAT_SINGLE_MMAP) and the SQE array
at IORING_OFF_SQES. The kernel side reads and writes them in those frames,
as Linux's does in its own mapping of them: the SQ tail and the SQEs the
program wrote, the CQ head it advanced; it writes the SQ head, the CQEs and
the CQ tail. A completion that finds the CQ full is counted in the ring's
overflow counter and lost (no IORING_FEAT_NODROP backlog), so nothing grows
beyond the rings.

Ring layout (any layout is Linux's as long as params tells it; this is
io_rings' order): SQ head, SQ tail, CQ head, CQ tail each on its own
cacheline, then the masks, sizes, dropped, flags and overflow words, the
CQEs from byte 320, and the SQ index array after them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.io_uring import (
    IO_URING_CQE,
    IO_URING_SQE,
    IORING_OFF_CQ_RING,
    IORING_OFF_SQ_RING,
    IORING_OFF_SQES,
)
from syscalltbl.machine.uapi.poll import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM

_U32 = struct.Struct("<I")
# Offsets in the rings region.
SQ_HEAD: Final = 0
SQ_TAIL: Final = 64
CQ_HEAD: Final = 128
CQ_TAIL: Final = 192
SQ_RING_MASK: Final = 256
CQ_RING_MASK: Final = 260
SQ_RING_ENTRIES: Final = 264
CQ_RING_ENTRIES: Final = 268
SQ_DROPPED: Final = 272
SQ_FLAGS: Final = 276
CQ_FLAGS: Final = 280
CQ_OVERFLOW: Final = 284
CQES: Final = 320


def sq_array_offset(cq_entries: int) -> int:
    """The SQ index array: after the CQEs, on a cacheline of its own."""
    return -(-(CQES + cq_entries * IO_URING_CQE.size) // 64) * 64


@dataclass(slots=True)
class Pending:
    """A request that would block (its SQE's fields), the requests linked after it, and what it waits on."""

    chain: list[tuple[int, ...]]
    sleep: Sleep


class Region:
    """Pages shared with the program: read and written here through their frames."""

    def __init__(self, ram: PhysicalMemory, size: int) -> None:
        self.ram = ram
        self.size = size
        self.memory = SharedAnon(ram, size)

    def read(self, offset: int, size: int) -> bytes:
        out = b""
        while size:
            page, within = divmod(offset, PAGE_SIZE)
            n = min(size, PAGE_SIZE - within)
            frame = self.memory.page(page)
            assert frame is not None  # offsets are the ring's own, inside it
            out += self.ram.read(frame + within, n)
            offset, size = offset + n, size - n
        return out

    def write(self, offset: int, data: bytes) -> None:
        while data:
            page, within = divmod(offset, PAGE_SIZE)
            n = min(len(data), PAGE_SIZE - within)
            frame = self.memory.page(page)
            assert frame is not None
            self.ram.write(frame + within, data[:n])
            offset, data = offset + n, data[n:]

    def u32(self, offset: int) -> int:
        return int(_U32.unpack(self.read(offset, 4))[0])

    def set_u32(self, offset: int, value: int) -> None:
        self.write(offset, _U32.pack(value & 0xFFFFFFFF))


class IoUring(Inode):
    """The instance behind an io_uring descriptor."""

    def __init__(self, ram: PhysicalMemory, sq_entries: int, cq_entries: int, flags: int) -> None:
        super().__init__(ANON_INODE_MODE)
        self.sq_entries, self.cq_entries, self.flags = sq_entries, cq_entries, flags
        self.array_offset = sq_array_offset(cq_entries)
        self.rings = Region(ram, self.array_offset + sq_entries * 4)
        self.sqes = Region(ram, sq_entries * IO_URING_SQE.size)
        for offset, value in ((SQ_RING_MASK, sq_entries - 1), (CQ_RING_MASK, cq_entries - 1),
                              (SQ_RING_ENTRIES, sq_entries), (CQ_RING_ENTRIES, cq_entries)):
            self.rings.set_u32(offset, value)
        self.cached_sq_head = 0  # the kernel's own copy: what the program writes there is not believed
        self.cached_cq_tail = 0
        self.buffers: list[tuple[int, int]] | None = None  # registered buffers: (address, length)
        self.readers_woken = 0
        #: Requests that would have blocked, each with the rest of its link chain: tried again at each
        #: io_uring_enter, as Linux's io-wq worker would finish them (their Sleep's ready() says when).
        self.pending: list[Pending] = []
        #: A task's submissions of a call that then waited: what the call answers when it runs again.
        self.carried: dict[int, int] = {}

    # -- the mapping --

    def mmap_region(self, offset: int, length: int) -> SharedAnon:
        """io_uring_mmap: the region at `offset`; EINVAL for another offset or a length past it."""
        if offset in (IORING_OFF_SQ_RING, IORING_OFF_CQ_RING):
            region = self.rings
        elif offset == IORING_OFF_SQES:
            region = self.sqes
        else:
            raise Errno(EINVAL)
        if length > -(-region.size // PAGE_SIZE) * PAGE_SIZE:
            raise Errno(EINVAL)
        return region.memory

    # -- the submission queue --

    def sq_ready(self) -> int:
        """SQEs the program has queued and the kernel not yet taken (io_sqring_entries)."""
        return (self.rings.u32(SQ_TAIL) - self.cached_sq_head) & 0xFFFFFFFF

    def next_sqe(self) -> bytes | None:
        """The next SQE, the head moved past it; None for an index out of range, counted as dropped."""
        head = self.cached_sq_head
        self.cached_sq_head = (head + 1) & 0xFFFFFFFF
        index = self.rings.u32(self.array_offset + (head & (self.sq_entries - 1)) * 4)
        if index >= self.sq_entries:
            self.rings.set_u32(SQ_DROPPED, self.rings.u32(SQ_DROPPED) + 1)
            return None
        return self.sqes.read(index * IO_URING_SQE.size, IO_URING_SQE.size)

    def commit_sq_head(self) -> None:
        self.rings.set_u32(SQ_HEAD, self.cached_sq_head)

    # -- the completion queue --

    def cq_ready(self) -> int:
        return (self.cached_cq_tail - self.rings.u32(CQ_HEAD)) & 0xFFFFFFFF

    def post(self, user_data: int, res: int, flags: int = 0) -> None:
        """io_fill_cqe: a CQE at the tail; with the CQ full, counted as an overflow and lost."""
        if self.cq_ready() >= self.cq_entries:
            self.rings.set_u32(CQ_OVERFLOW, self.rings.u32(CQ_OVERFLOW) + 1)
            return
        tail = self.cached_cq_tail
        slot = CQES + (tail & (self.cq_entries - 1)) * IO_URING_CQE.size
        self.rings.write(slot, IO_URING_CQE.pack(user_data & 0xFFFFFFFFFFFFFFFF, res, flags))
        self.cached_cq_tail = (tail + 1) & 0xFFFFFFFF
        self.rings.set_u32(CQ_TAIL, self.cached_cq_tail)
        self.readers_woken += 1

    # -- the file --

    def poll(self, f: OpenFile) -> int:
        """io_uring_poll: writable while the SQ has room, readable while CQEs wait."""
        mask = 0
        if self.sq_ready() < self.sq_entries:
            mask |= POLLOUT | POLLWRNORM
        if self.cq_ready():
            mask |= POLLIN | POLLRDNORM
        return mask

    def wakeups(self) -> tuple[int, int]:
        return self.readers_woken, 0

    def release(self, f: OpenFile) -> None:
        """io_ring_ctx_free: what is registered goes with the instance (the mapped pages stay while mapped)."""
        self.buffers = None
        self.pending.clear()
