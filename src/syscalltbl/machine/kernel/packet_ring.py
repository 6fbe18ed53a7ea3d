"""PACKET_RX_RING and PACKET_TX_RING's memory (net/packet/af_packet.c's pg_vec, packet_mmap, tpacket_rcv).

A ring is blocks of pages the process maps (mmap of the socket: the
receive ring first, then the transmit ring, at offset 0, the whole of
both); they are RAM, taken whole when the ring is set up (ENOMEM when RAM
has not that much), as alloc_pg_vec takes them. A frame received goes into
the receive ring's next frame if the process has handed it back
(TP_STATUS_KERNEL), with its header (TPACKET_V1's or V2's) and sockaddr_ll
before the data, its status set last; a frame not handed back drops the
packet, and the ones stored after say TP_STATUS_LOSING until the process
reads PACKET_STATISTICS. TPACKET_V3 packs
packets into blocks instead, each given to the process when full or when
its retire time (tp_retire_blk_tov) has passed with packets in it; that
time is looked at when a packet comes and when the socket is polled (poll,
select and epoll sleepers are woken for it), so a process that only reads
the memory without a system call sees a block retired at its next one.
The hash TP_FT_REQ_FILL_RXHASH asks for is 0: lo's frames have none.
"""

from __future__ import annotations

import struct
import time
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.uapi.errno import ENOMEM, Errno
from syscalltbl.machine.uapi.packet import BLK_HDR_LEN, TPACKET_ALIGNMENT, TPACKET_V1, TPACKET_V3
from syscalltbl.store.record import Record

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.mm import Mm

PAGE_SIZE = 4096
TP_STATUS_KERNEL = 0
TP_STATUS_USER = 1
TP_STATUS_COPY = 2
TP_STATUS_LOSING = 4
USHRT_MAX = 0xFFFF
TPACKET_HDR = struct.Struct("<QIIHHII")  # tp_status (unsigned long), len, snaplen, mac, net, sec, usec
TPACKET2_HDR = struct.Struct("<IIIHHIIHH4x")  # tp_status, len, snaplen, mac, net, sec, nsec, vlan_tci, vlan_tpid


def tpacket_align(n: int) -> int:
    return (n + TPACKET_ALIGNMENT - 1) & ~(TPACKET_ALIGNMENT - 1)


class Ring(Record):
    """One ring: its geometry, its pages, and (receiving) the frame the next packet goes to."""

    block_size: int
    block_nr: int
    frame_size: int
    frame_nr: int
    pages: SharedAnon
    head: int
    losing: bool
    blocks: BlockQueue | None  # TPACKET_V3's receive state

    _fields = ("block_size", "block_nr", "frame_size", "frame_nr", "pages", "head", "losing", "blocks")

    def __init__(
        self,
        block_size: int,
        block_nr: int,
        frame_size: int,
        frame_nr: int,
        pages: SharedAnon,
        head: int = 0,
        losing: bool = False,
        blocks: BlockQueue | None = None,
    ) -> None:
        self.block_size = block_size
        self.block_nr = block_nr
        self.frame_size = frame_size
        self.frame_nr = frame_nr
        self.pages = pages
        self.head = head
        self.losing = losing
        self.blocks = blocks

    @property
    def size(self) -> int:
        return self.block_size * self.block_nr

    def frame_offset(self, index: int) -> int:
        per_block = self.block_size // self.frame_size
        return (index // per_block) * self.block_size + (index % per_block) * self.frame_size

    def read(self, offset: int, size: int) -> bytes:
        """Bytes of the ring; none past its end (a header placed past a block's room reads as nothing)."""
        out = b""
        size = max(min(size, self.size - offset), 0)
        while size:
            page = self.pages.page(offset // PAGE_SIZE)
            assert page is not None
            n = min(size, PAGE_SIZE - offset % PAGE_SIZE)
            out += self.pages.ram.read(page + offset % PAGE_SIZE, n)
            offset, size = offset + n, size - n
        return out

    def write(self, offset: int, data: bytes) -> None:
        """Bytes into the ring, cut at its end."""
        data = data[: max(self.size - offset, 0)]
        at = 0
        while at < len(data):
            page = self.pages.page((offset + at) // PAGE_SIZE)
            assert page is not None
            n = min(len(data) - at, PAGE_SIZE - (offset + at) % PAGE_SIZE)
            self.pages.ram.write(page + (offset + at) % PAGE_SIZE, data[at : at + n])
            at += n


def make_ring(ram: PhysicalMemory, block_size: int, block_nr: int, frame_size: int, frame_nr: int) -> Ring:
    """alloc_pg_vec: every page now, or ENOMEM (and nothing kept)."""
    size = block_size * block_nr
    pages = SharedAnon(ram, size)
    try:
        for index in range(size // PAGE_SIZE):
            pages.page(index)
    except OutOfMemory:
        raise Errno(ENOMEM) from None
    return Ring(block_size, block_nr, frame_size, frame_nr, pages)


def status_of(ring: Ring, index: int, version: int) -> int:
    raw = ring.read(ring.frame_offset(index), 8 if version == TPACKET_V1 else 4)
    return int.from_bytes(raw, "little")


def store(ring: Ring, version: int, hdrlen: int, reserve: int, data: bytes, maclen: int | None, sll: bytes,
          extra_net: int = 0) -> bool:
    """tpacket_rcv for TPACKET_V1 and V2 (`maclen` None for a SOCK_DGRAM socket's frame, which starts at
    its network header): False when the frame is the process's still, or the offsets overflow."""
    if maclen is None:
        macoff = netoff = tpacket_align(hdrlen) + 16 + reserve
    else:
        netoff = tpacket_align(hdrlen + max(maclen, 16)) + reserve + extra_net
        macoff = netoff - maclen
    if netoff > USHRT_MAX or status_of(ring, ring.head, version) != TP_STATUS_KERNEL:
        ring.losing = True
        return False
    snaplen = len(data)
    status = TP_STATUS_USER
    if macoff + snaplen > ring.frame_size:
        snaplen = max(ring.frame_size - macoff, 0)
        status |= TP_STATUS_COPY
    if ring.losing:
        status |= TP_STATUS_LOSING  # until PACKET_STATISTICS is read (tp_drops is nonzero till then)
    offset = ring.frame_offset(ring.head)
    now = time.time()
    sec, frac = int(now), now % 1
    if version == TPACKET_V1:
        header = TPACKET_HDR.pack(0, len(data), snaplen, macoff, netoff, sec, int(frac * 1_000_000))
    else:
        header = TPACKET2_HDR.pack(0, len(data), snaplen, macoff, netoff, sec, int(frac * 1_000_000_000), 0, 0)
    if snaplen:
        ring.write(offset + macoff, data[:snaplen])
    ring.write(offset + TPACKET_ALIGNMENT * ((len(header) + TPACKET_ALIGNMENT - 1) // TPACKET_ALIGNMENT), sll)
    ring.write(offset + (8 if version == TPACKET_V1 else 4), header[8 if version == TPACKET_V1 else 4 :])
    ring.write(offset, status.to_bytes(8 if version == TPACKET_V1 else 4, "little"))  # the frame is the user's now
    ring.head = (ring.head + 1) % ring.frame_nr
    return True


TP_STATUS_SEND_REQUEST = 1
TP_STATUS_AVAILABLE = 0
SOCKADDR_LL_SIZE = 20


def take_to_send(ring: Ring, version: int, hdrlen: int) -> list[bytes]:
    """tpacket_snd's walk: from the head, each frame the process marked TP_STATUS_SEND_REQUEST, its data (at
    the header's end, less the sockaddr_ll) handed back as TP_STATUS_AVAILABLE; the walk ends at the first
    frame not marked, or once round the ring."""
    out: list[bytes] = []
    offset_of_data = hdrlen - SOCKADDR_LL_SIZE
    for _ in range(ring.frame_nr):
        if status_of(ring, ring.head, version) != TP_STATUS_SEND_REQUEST:
            break
        offset = ring.frame_offset(ring.head)
        length_at = 8 if version == TPACKET_V1 else 4
        length = int.from_bytes(ring.read(offset + length_at, 4), "little")
        length = min(length, ring.frame_size - offset_of_data)
        out.append(ring.read(offset + offset_of_data, length))
        ring.write(offset, TP_STATUS_AVAILABLE.to_bytes(length_at, "little"))
        ring.head = (ring.head + 1) % ring.frame_nr
    return out


def readable(ring: Ring, version: int) -> bool:
    """packet_poll: the frame before the head is the process's to read."""
    return status_of(ring, (ring.head - 1) % ring.frame_nr, version) != TP_STATUS_KERNEL


class RingMap:
    """What mmap of a packet socket maps: the receive ring's pages, then the transmit ring's."""

    def __init__(self, rings: list[Ring]) -> None:
        self.rings = rings
        self.mappers: weakref.WeakSet[Mm] = weakref.WeakSet()
        self.maps = 1  # the areas mapping it: the one mmap makes, and their copies by fork

    def page(self, index: int) -> int | None:
        for ring in self.rings:
            pages = ring.size // PAGE_SIZE
            if index < pages:
                return ring.pages.page(index)
            index -= pages
        return None

    def resident_in(self, first: int, end: int) -> list[int]:
        total = sum(ring.size for ring in self.rings) // PAGE_SIZE
        return list(range(first, min(end, total)))

    def cached(self, first: int, end: int) -> list[tuple[int, int]]:
        return []  # the ring's pages are the socket's, not a page cache's (no map_pages)

    def punch(self, first: int, count: int) -> None:
        pass  # ring pages are the kernel's: MADV_REMOVE leaves them be (not shmem)

    def opened(self) -> None:
        self.maps += 1

    def closed(self) -> None:
        self.maps -= 1


# -- TPACKET_V3: packets packed into blocks the process takes whole (prb_* in af_packet.c) --

TP_STATUS_BLK_TMO = 1 << 5
V3_ALIGNMENT = 8
TPACKET3_HDR = struct.Struct("<IIIIIIHHIIHH8x")  # next_offset, sec, nsec, snaplen, len, status, mac, net, hv1
DEFAULT_PRB_RETIRE_TOV = 8  # ms: what lo (no link speed) gets when tp_retire_blk_tov is 0


class BlockQueue(Record):
    """struct tpacket_kbdq_core: the block being filled, where the next packet goes, and its retire time."""

    sizeof_priv: int
    retire_ms: int
    active: int
    next_offset: int  # within the active block
    prev_offset: int  # the last packet stored in it
    frozen: bool
    seq: int
    deadline: float

    _fields = ("sizeof_priv", "retire_ms", "active", "next_offset", "prev_offset", "frozen", "seq", "deadline")

    def __init__(
        self,
        sizeof_priv: int,
        retire_ms: int,
        active: int = 0,
        next_offset: int = 0,
        prev_offset: int = 0,
        frozen: bool = False,
        seq: int = 1,
        deadline: float = 0.0,
    ) -> None:
        self.sizeof_priv = sizeof_priv
        self.retire_ms = retire_ms
        self.active = active
        self.next_offset = next_offset
        self.prev_offset = prev_offset
        self.frozen = frozen
        self.seq = seq
        self.deadline = deadline


def blk_plus_priv(sizeof_priv: int) -> int:
    return BLK_HDR_LEN + ((sizeof_priv + V3_ALIGNMENT - 1) & ~(V3_ALIGNMENT - 1))


def block_status(ring: Ring, block: int) -> int:
    return int.from_bytes(ring.read(block * ring.block_size + 8, 4), "little")


def v3_open_block(ring: Ring, q: BlockQueue) -> None:
    """prb_open_block: the block's header made afresh, the queue thawed, the retire timer started again."""
    base = q.active * ring.block_size
    first = blk_plus_priv(q.sizeof_priv)
    now = time.time()
    header = struct.pack("<IIIIIIQII", TPACKET_V3, BLK_HDR_LEN, TP_STATUS_KERNEL, 0, first, first, q.seq,
                         int(now), int(now % 1 * 1_000_000_000))
    ring.write(base, header)
    q.seq += 1
    q.next_offset = q.prev_offset = first
    q.frozen = False
    q.deadline = time.monotonic() + q.retire_ms / 1000


def v3_close_block(ring: Ring, q: BlockQueue, extra: int) -> None:
    """prb_close_block: the last packet's next_offset 0, the last time stamp, the block the process's."""
    base = q.active * ring.block_size
    status = TP_STATUS_USER | extra
    if ring.losing:
        status |= TP_STATUS_LOSING
    packets = int.from_bytes(ring.read(base + 12, 4), "little")
    if packets:
        ring.write(base + q.prev_offset, b"\0\0\0\0")
        stamp = ring.read(base + q.prev_offset + 4, 8)
    else:
        now = time.time()
        stamp = struct.pack("<II", int(now), int(now % 1 * 1_000_000_000))
    ring.write(base + 40, stamp)
    ring.write(base + 8, status.to_bytes(4, "little"))
    q.active = (q.active + 1) % ring.block_nr


def v3_dispatch(ring: Ring, q: BlockQueue) -> bool:
    """prb_dispatch_next_block: open the next block, or freeze the queue while the process holds it."""
    if block_status(ring, q.active) & TP_STATUS_USER:
        q.frozen = True
        return False
    v3_open_block(ring, q)
    return True


def v3_retire_due(ring: Ring, q: BlockQueue) -> None:
    """prb_retire_rx_blk_timer_expired, at or after its time: a block with packets in it goes to the process;
    a frozen queue whose block came back opens it; an empty block waits another period."""
    now = time.monotonic()
    if now < q.deadline:
        return
    if q.frozen:
        if not block_status(ring, q.active) & TP_STATUS_USER:
            v3_open_block(ring, q)
        else:
            q.deadline = now + q.retire_ms / 1000
        return
    base = q.active * ring.block_size
    if not int.from_bytes(ring.read(base + 12, 4), "little"):
        q.deadline = now + q.retire_ms / 1000
        return
    v3_close_block(ring, q, TP_STATUS_BLK_TMO)
    if not v3_dispatch(ring, q):
        q.deadline = now + q.retire_ms / 1000


def v3_store(ring: Ring, q: BlockQueue, hdrlen: int, reserve: int, data: bytes, maclen: int | None, sll: bytes,
             extra_net: int = 0) -> bool:
    """tpacket_rcv for TPACKET_V3 (__packet_lookup_frame_in_block): into the active block if it fits, else
    the block is closed and the next one opened; False when the process holds them all (the queue freezes)."""
    v3_retire_due(ring, q)
    if maclen is None:
        macoff = netoff = tpacket_align(hdrlen) + 16 + reserve
    else:
        netoff = tpacket_align(hdrlen + max(maclen, 16)) + reserve + extra_net
        macoff = netoff - maclen
    if netoff > USHRT_MAX:
        ring.losing = True
        return False
    snaplen = len(data)
    max_frame = ring.block_size - blk_plus_priv(q.sizeof_priv)
    if macoff + snaplen > max_frame:
        snaplen = max(max_frame - macoff, 0)
    if q.frozen:
        if block_status(ring, q.active) & TP_STATUS_USER:
            ring.losing = True
            return False
        v3_open_block(ring, q)
    total = (macoff + snaplen + V3_ALIGNMENT - 1) & ~(V3_ALIGNMENT - 1)
    if q.next_offset + total >= ring.block_size:
        v3_close_block(ring, q, 0)
        if not v3_dispatch(ring, q):
            ring.losing = True
            return False
    base = q.active * ring.block_size
    at = base + q.next_offset
    now = time.time()
    header = TPACKET3_HDR.pack(total, int(now), int(now % 1 * 1_000_000_000), snaplen, len(data), TP_STATUS_USER,
                               macoff, netoff, 0, 0, 0, 0)
    ring.write(at, header)
    ring.write(at + tpacket_align(TPACKET3_HDR.size), sll)
    if snaplen:
        ring.write(at + macoff, data[:snaplen])
    q.prev_offset = q.next_offset
    q.next_offset += total
    packets = int.from_bytes(ring.read(base + 12, 4), "little") + 1
    length = int.from_bytes(ring.read(base + 20, 4), "little") + total
    ring.write(base + 12, packets.to_bytes(4, "little"))
    ring.write(base + 20, length.to_bytes(4, "little"))
    return True


def v3_readable(ring: Ring, q: BlockQueue) -> bool:
    """packet_poll for TPACKET_V3: the block before the active one is the process's (a retire due first)."""
    v3_retire_due(ring, q)
    return bool(block_status(ring, (q.active - 1) % ring.block_nr) & TP_STATUS_USER)
