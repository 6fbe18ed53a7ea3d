"""PACKET_RX_RING and PACKET_TX_RING's memory (net/packet/af_packet.c's pg_vec, packet_mmap, tpacket_rcv).

A ring is blocks of pages the process maps (mmap of the socket: the
receive ring first, then the transmit ring, at offset 0, the whole of
both); they are RAM, taken whole when the ring is set up (ENOMEM when RAM
has not that much), as alloc_pg_vec takes them. A frame received goes into
the receive ring's next frame if the process has handed it back
(TP_STATUS_KERNEL), with its header (TPACKET_V1's or V2's) and sockaddr_ll
before the data, its status set last; a frame not handed back drops the
packet, and the next one stored says TP_STATUS_LOSING.
"""

from __future__ import annotations

import struct
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.uapi.errno import ENOMEM, Errno
from syscalltbl.machine.uapi.packet import TPACKET_ALIGNMENT, TPACKET_V1

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


@dataclass(eq=False)
class Ring:
    """One ring: its geometry, its pages, and (receiving) the frame the next packet goes to."""

    block_size: int
    block_nr: int
    frame_size: int
    frame_nr: int
    pages: SharedAnon
    head: int = 0
    losing: bool = False
    frames: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.block_size * self.block_nr

    def frame_offset(self, index: int) -> int:
        per_block = self.block_size // self.frame_size
        return (index // per_block) * self.block_size + (index % per_block) * self.frame_size

    def read(self, offset: int, size: int) -> bytes:
        out = b""
        while size:
            page = self.pages.page(offset // PAGE_SIZE)
            assert page is not None
            n = min(size, PAGE_SIZE - offset % PAGE_SIZE)
            out += self.pages.ram.read(page + offset % PAGE_SIZE, n)
            offset, size = offset + n, size - n
        return out

    def write(self, offset: int, data: bytes) -> None:
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
        status |= TP_STATUS_LOSING
        ring.losing = False
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

    def punch(self, first: int, count: int) -> None:
        pass  # ring pages are the kernel's: MADV_REMOVE leaves them be (not shmem)

    def opened(self) -> None:
        self.maps += 1

    def closed(self) -> None:
        self.maps -= 1
