"""Packet sockets (net/packet/af_packet.c) on the machine's one device, lo (drivers/net/loopback.c).

A SOCK_RAW socket sends and receives whole Ethernet frames, a SOCK_DGRAM
one their payload (the link header made from the address on the way out,
taken off on the way in). A frame a packet socket sends on lo is seen as
Linux's loopback shows it: once leaving by the other ETH_P_ALL sockets
(PACKET_OUTGOING, dev_queue_xmit_nit), then once arriving by every socket
bound to ETH_P_ALL or to the frame's protocol, the sender too (netif_rx).
Each socket's receive queue is charged to its SO_RCVBUF (a full one drops
the frame, counted in PACKET_STATISTICS) and to RAM.

An ETH_P_IP frame arriving goes on to IPv4 (kernel/ipv4_input.py): raw
sockets, ICMP and UDP. What the machine lacks: its TCP and UDP sockets
make no frames (kernel/tcp.py, udp.py), so a packet socket sees only the
frames of packet sockets, raw sockets and ICMP's answers. The PACKET_RX_RING and
PACKET_TX_RING rings are set up (their checks, versions and RAM) and mapped;
the receive ring is filled (TPACKET_V1/V2 frames, TPACKET_V3 blocks:
kernel/packet_ring.py), and a send with a transmit ring (V1/V2) sends the
frames the process marked.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from syscalltbl.machine.kernel.af_unix import (
    SKB_OVERHEAD,
    Message,
    Payload,
    ReceiverCharged,
    SockAddr,
    Ucred,
    UnixSocket,
)
from syscalltbl.machine.kernel.netdev import LO_INDEX, NetDevices
from syscalltbl.machine.kernel.packet_ring import (
    DEFAULT_PRB_RETIRE_TOV,
    BlockQueue,
    Ring,
    RingMap,
    make_ring,
    readable,
    store,
    take_to_send,
    v3_open_block,
    v3_readable,
    v3_store,
)
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EAGAIN,
    EBUSY,
    EINVAL,
    EMSGSIZE,
    ENETDOWN,
    ENODEV,
    ENOMEM,
    ENOPROTOOPT,
    ENOTTY,
    ENXIO,
    EOPNOTSUPP,
    Errno,
)
from syscalltbl.machine.uapi.eventpoll import EPOLLWRBAND
from syscalltbl.machine.uapi.misc import FIONREAD
from syscalltbl.machine.uapi.netlink import ARPHRD_LOOPBACK
from syscalltbl.machine.uapi.packet import (
    BLK_HDR_LEN,
    ETH_ALEN,
    ETH_HLEN,
    ETH_P_ALL,
    PACKET_AUXDATA,
    PACKET_BROADCAST,
    PACKET_HDRLEN,
    PACKET_HOST,
    PACKET_IGNORE_OUTGOING,
    PACKET_LOSS,
    PACKET_MULTICAST,
    PACKET_ORIGDEV,
    PACKET_OTHERHOST,
    PACKET_OUTGOING,
    PACKET_QDISC_BYPASS,
    PACKET_RESERVE,
    PACKET_RX_RING,
    PACKET_STATISTICS,
    PACKET_TIMESTAMP,
    PACKET_TX_RING,
    PACKET_VERSION,
    PACKET_VNET_HDR,
    SLL_ADDR_OFFSET,
    SOCKADDR_LL,
    SOL_PACKET,
    TPACKET_ALIGNMENT,
    TPACKET_HDR_SIZES,
    TPACKET_HDRLENS,
    TPACKET_REQ,
    TPACKET_REQ3,
    TPACKET_STATS,
    TPACKET_STATS_V3,
    TPACKET_V1,
    TPACKET_V3,
    VIRTIO_NET_HDR_LEN,
    VLAN_HLEN,
)
from syscalltbl.machine.uapi.poll import POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from syscalltbl.machine.uapi.socket import (
    AF_PACKET,
    MSG_DONTWAIT,
    MSG_ERRQUEUE,
    MSG_PEEK,
    MSG_TRUNC,
    SOCK_DGRAM,
    SOCK_RAW,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.af_unix import UnixNamespace
    from syscalltbl.machine.kernel.process import Task

PAGE_SIZE = 4096
INT_MAX = 0x7FFFFFFF
UINT_MAX = 0xFFFFFFFF
LO_ADDR = bytes(ETH_ALEN)  # lo's hardware address, and its broadcast one
BROADCAST_ADDR = b"\xff" * ETH_ALEN
ETH_P_ALL_BE = ETH_P_ALL.to_bytes(2, "big")
ETH_P_IP = b"\x08\x00"
NETDEV_MAX_BACKLOG = 1000  # net.core.netdev_max_backlog
#: The flag options, stored as set (AUXDATA's cmsg is not given: see the module's docstring).
FLAG_OPTIONS = frozenset({PACKET_ORIGDEV, PACKET_LOSS, PACKET_QDISC_BYPASS, PACKET_IGNORE_OUTGOING})
#: The recvmsg flags packet_recvmsg takes.
RECV_FLAGS = MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC | MSG_ERRQUEUE | 0x80000000  # MSG_CMSG_COMPAT


class Frame(Message):
    """A frame in a packet socket's queue, with the sockaddr_ll that says where it came from."""

    sll: bytes

    __slots__ = ("sll",)
    _fields = (*Message._fields, *__slots__)

    def __init__(
        self,
        data: bytes,
        sender: UnixSocket,
        cred: Ucred | None,
        files: list[OpenFile] | None = None,
        uid: int = 0,
        consumed: int = 0,
        charge: int = 0,
        sll: bytes = b"",
    ) -> None:
        super().__init__(data, sender, cred, files, uid, consumed, charge)
        self.sll = sll


class PacketTaps:
    """A network namespace's lo: the packet sockets a frame is shown to (ptype_all, ptype_base), the frames
    received but not yet handled (the backlog netif_rx queues to), and where IPv4 frames go on arriving."""

    def __init__(self) -> None:
        self.sockets: weakref.WeakSet[PacketSocket] = weakref.WeakSet()
        self.backlog: deque[bytes] = deque()
        self.receiving = False
        #: ip_rcv (kernel/ipv4_input.py), wired by the namespace.
        self.ip_input: Callable[[bytes], None] = lambda _packet: None


def pkttype_of(frame: bytes) -> int:
    """eth_type_trans on lo: what the destination address makes of a frame arriving."""
    dest = frame[:ETH_ALEN]
    if dest == BROADCAST_ADDR:
        return PACKET_BROADCAST
    if dest[0] & 1:
        return PACKET_MULTICAST
    return PACKET_HOST if dest == LO_ADDR else PACKET_OTHERHOST


def payload_of(data: bytes) -> Payload:
    return Payload(len(data), lambda at, n: data[at : at + n])


def running_taps(taps: PacketTaps) -> list[PacketSocket]:
    return sorted((s for s in list(taps.sockets) if s.running()), key=lambda s: s.ino)


def lo_xmit(taps: PacketTaps, frame: bytes, sender: PacketSocket | None) -> None:
    """dev_queue_xmit on lo: the taps see it leave (not the sender), then loopback_xmit's netif_rx queues it
    to be received (at most netdev_max_backlog waiting: past that it is dropped); the first sender handles
    the backlog, so an answer to a frame is received after it, never inside it."""
    protocol = frame[12:14]
    for sock in running_taps(taps):
        if sock is not sender and sock.num == ETH_P_ALL_BE:
            sock.rcv(frame, PACKET_OUTGOING, protocol)
    if len(taps.backlog) >= NETDEV_MAX_BACKLOG:
        return
    taps.backlog.append(frame)
    if taps.receiving:
        return
    taps.receiving = True
    try:
        while taps.backlog:
            netif_receive(taps, taps.backlog.popleft())
    finally:
        taps.receiving = False


def netif_receive(taps: PacketTaps, frame: bytes) -> None:
    """__netif_receive_skb: every ETH_P_ALL socket, then those of the frame's protocol, then IPv4's input."""
    protocol = frame[12:14]
    pkttype = pkttype_of(frame)
    listeners = running_taps(taps)
    for sock in listeners:
        if sock.num == ETH_P_ALL_BE:
            sock.rcv(frame, pkttype, protocol)
    for sock in listeners:
        if sock.num == protocol and sock.num != ETH_P_ALL_BE:
            sock.rcv(frame, pkttype, protocol)
    if protocol == ETH_P_IP and pkttype == PACKET_HOST:
        taps.ip_input(frame[ETH_HLEN:])


class PacketSocket(ReceiverCharged):
    """One packet socket (struct packet_sock), SOCK_RAW or SOCK_DGRAM."""

    PROTOCOL_OPTIONS: ClassVar[bool] = True

    def __init__(self, ns: UnixNamespace, owner: Task, kind: int, protocol: int, taps: PacketTaps,
                 devices: NetDevices) -> None:
        super().__init__(ns, kind, owner)
        self.family = AF_PACKET
        self.protocol = protocol
        self.num = (protocol & 0xFFFF).to_bytes(2, "little")  # the big-endian protocol, as it was given
        self.taps = taps
        self.devices = devices
        self.ifindex = 0
        self.version = TPACKET_V1
        self.reserve = 0
        self.vnet_hdr = False
        self.flags: set[int] = set()
        self.rx_ring: Ring | None = None
        self.tx_ring: Ring | None = None
        self.maps: list[RingMap] = []  # what mmap made of the rings
        self.rmem = 0
        self.packets = self.drops = 0  # PACKET_STATISTICS, zeroed as read
        taps.sockets.add(self)

    def running(self) -> bool:
        """Registered for frames: a protocol, and lo (if bound to it) up."""
        return not self.dead and self.num != b"\0\0" and (self.ifindex == 0 or self.devices.lo_up)

    # -- naming --

    def bind_addr(self, t: Task, raw: bytes) -> None:
        """packet_bind: a sockaddr_ll's device (0 for all) and protocol (0 keeps the socket's)."""
        if len(raw) < SOCKADDR_LL.size:
            raise Errno(EINVAL)
        family, protocol, ifindex, _hatype, _pkttype, _halen, _addr = SOCKADDR_LL.unpack(raw[: SOCKADDR_LL.size])
        if family != AF_PACKET:
            raise Errno(EINVAL)
        if ifindex and ifindex != LO_INDEX:
            raise Errno(ENODEV)
        self.ifindex = ifindex
        if protocol != b"\0\0":
            self.num = protocol
        if ifindex and not self.devices.lo_up:
            self.err = ENETDOWN  # bound to a device that is down: told at once (packet_do_bind)
            self.touch()

    def connect_addr(self, t: Task, f: OpenFile, raw: bytes) -> None:
        raise Errno(EOPNOTSUPP)  # sock_no_connect

    def listen(self, t: Task, backlog: int) -> None:
        raise Errno(EOPNOTSUPP)

    def accept(self, t: Task, f: OpenFile) -> UnixSocket:
        raise Errno(EOPNOTSUPP)

    def getname(self, peer: bool) -> bytes:
        """packet_getname: the device's index, type and (zero) address, and the protocol."""
        if peer:
            raise Errno(EOPNOTSUPP)
        if self.ifindex:
            return SOCKADDR_LL.pack(AF_PACKET, self.num, self.ifindex, ARPHRD_LOOPBACK, 0, ETH_ALEN,
                                    bytes(8))[: SLL_ADDR_OFFSET + ETH_ALEN]
        return SOCKADDR_LL.pack(AF_PACKET, self.num, 0, 0, 0, 0, bytes(8))[:SLL_ADDR_OFFSET]

    # -- sending --

    def send(self, t: Task, f: OpenFile, payload: Payload, files: list[OpenFile], cred: Ucred | None, flags: int,
             to: bytes | None, ring: bool = True) -> int:
        """packet_snd: to the address's device (or the bound one), a whole frame or a payload framed here;
        with a transmit ring, the frames marked in it instead (tpacket_snd)."""
        if files:
            raise Errno(EINVAL)
        if ring and self.tx_ring is not None and self.version != TPACKET_V3:
            total = 0
            for data in take_to_send(self.tx_ring, self.version, TPACKET_HDRLENS[self.version]):
                total += self.send(t, f, payload_of(data), [], None, flags, to, ring=False)
            return total
        dest = LO_ADDR
        if to is None:
            ifindex, protocol = self.ifindex, self.num
        else:
            if len(to) < SOCKADDR_LL.size:
                raise Errno(EINVAL)
            _family, protocol, ifindex, _hatype, _pkttype, halen, addr = SOCKADDR_LL.unpack(to[: SOCKADDR_LL.size])
            if len(to) < halen + SLL_ADDR_OFFSET:
                raise Errno(EINVAL)
            if self.type == SOCK_DGRAM:
                if ifindex == LO_INDEX and len(to) < ETH_ALEN + SLL_ADDR_OFFSET:
                    raise Errno(EINVAL)
                dest = addr[:ETH_ALEN]
        if ifindex != LO_INDEX:
            raise Errno(ENXIO)  # no device: unbound and unnamed, or an index the machine has not
        if not self.devices.lo_up:
            raise Errno(ENETDOWN)
        length = payload.length
        header = b""
        if self.vnet_hdr:
            if length < VIRTIO_NET_HDR_LEN:
                raise Errno(EINVAL)
            header = payload.fetch(0, VIRTIO_NET_HDR_LEN)
            if header[1]:  # gso_type: a segmentation request, which lo's machine frames have no use for
                raise Errno(EINVAL)
            length -= VIRTIO_NET_HDR_LEN
        reserve = ETH_HLEN if self.type == SOCK_RAW else 0
        if length > self.devices.lo_mtu + reserve + VLAN_HLEN:
            raise Errno(EMSGSIZE)
        data = payload.fetch(len(header), length) if length else b""
        if self.type == SOCK_RAW:
            if len(data) < ETH_HLEN:
                raise Errno(EINVAL)  # dev_validate_header: shorter than lo's link header
            frame = data
        else:
            frame = dest + LO_ADDR + protocol + data  # dev_hard_header (eth_header)
        self.ns.charge(len(frame) + SKB_OVERHEAD)  # the skb, while it goes round lo
        try:
            lo_xmit(self.taps, frame, self)
        finally:
            self.ns.charge(-(len(frame) + SKB_OVERHEAD))
        return payload.length

    # -- receiving --

    def rcv(self, frame: bytes, pkttype: int, protocol: bytes) -> None:
        """packet_rcv: the frame (a SOCK_DGRAM socket's without its link header) into our queue."""
        if pkttype == PACKET_OUTGOING and PACKET_IGNORE_OUTGOING in self.flags:
            return
        data = frame if self.type == SOCK_RAW else frame[ETH_HLEN:]
        sll = SOCKADDR_LL.pack(AF_PACKET, protocol, LO_INDEX, ARPHRD_LOOPBACK, pkttype, ETH_ALEN,
                               frame[ETH_ALEN : 2 * ETH_ALEN] + bytes(2))
        if self.rx_ring is not None:
            self.ring_rcv(self.rx_ring, data, sll)
            return
        if self.rmem >= self.rcvbuf:
            self.drops += 1
            return
        if self.vnet_hdr:
            data = bytes(VIRTIO_NET_HDR_LEN) + data  # no offload asked of a frame made on the machine
        charge = len(data) + SKB_OVERHEAD
        ram = self.ns.ram
        if ram is not None and not ram.slab_fits(charge):
            self.drops += 1
            return
        self.ns.charge(charge)
        self.rmem += charge
        self.packets += 1
        # packet_recvmsg gives at least a whole sockaddr_ll: the address's 6 bytes, then zeros
        self.enqueue(Frame(data, self, None, charge=charge, sll=sll))

    def ring_rcv(self, ring: Ring, data: bytes, sll: bytes) -> None:
        """tpacket_rcv: into the receive ring's next frame (TPACKET_V3: its active block)."""
        maclen = ETH_HLEN if self.type == SOCK_RAW else None
        extra = VIRTIO_NET_HDR_LEN if self.vnet_hdr else 0
        hdrlen = TPACKET_HDRLENS[self.version]
        if ring.blocks is not None:
            stored = v3_store(ring, ring.blocks, hdrlen, self.reserve, data, maclen, sll, extra)
        else:
            stored = store(ring, self.version, hdrlen, self.reserve, data, maclen, sll, extra)
        if stored:
            self.packets += 1
            self.touch()
        else:
            self.drops += 1

    def mapped(self) -> bool:
        return any(m.maps > 0 for m in self.maps)

    def mmap_backing(self, pgoff: int, size: int) -> RingMap:
        """packet_mmap: both rings (receive first), whole, from offset 0; EINVAL otherwise."""
        rings = [ring for ring in (self.rx_ring, self.tx_ring) if ring is not None]
        if pgoff or not rings or size != sum(ring.size for ring in rings):
            raise Errno(EINVAL)
        backing = RingMap(rings)
        self.maps = [m for m in self.maps if m.maps > 0] + [backing]
        return backing

    def recv_dgram(self, t: Task, f: OpenFile, size: int, flags: int) -> tuple[bytes, int, list[OpenFile],
                                                                             Ucred | None, SockAddr | None, bool]:
        """packet_recvmsg: the first frame, cut to `size`, and where it came from."""
        try:
            if flags & ~RECV_FLAGS:
                raise Errno(EINVAL)
            if flags & MSG_ERRQUEUE:
                raise Errno(EAGAIN)  # sock_recv_errqueue: nothing there
            if not self.await_message(t, f, flags):
                return b"", 0, [], None, None, False
        except Errno:
            self.done_waiting(t)
            raise
        m, data, value, truncated = self.take_datagram(size, flags)
        assert isinstance(m, Frame)
        return data, value, [], None, SockAddr(m.sll), truncated

    # -- options --

    def _int(self, t: Task, optval: int, optlen: int, exact: bool = True) -> int:
        if optlen != 4 if exact else optlen < 4:
            raise Errno(EINVAL)
        return int.from_bytes(copy_from_user(t.mm, optval, 4), "little")

    def setsockopt_proto(self, t: Task, level: int, optname: int, optval: int, optlen: int) -> None:
        """packet_setsockopt."""
        if level != SOL_PACKET:
            raise Errno(ENOPROTOOPT)
        rings = self.rx_ring is not None or self.tx_ring is not None
        if optname in (PACKET_RX_RING, PACKET_TX_RING):
            self.set_ring(t, optval, optlen, tx=optname == PACKET_TX_RING)
        elif optname == PACKET_VERSION:
            value = self._int(t, optval, optlen)
            if value not in TPACKET_HDRLENS:
                raise Errno(EINVAL)
            if rings:
                raise Errno(EBUSY)
            self.version = value
        elif optname == PACKET_RESERVE:
            value = self._int(t, optval, optlen)
            if value > INT_MAX:
                raise Errno(EINVAL)
            if rings:
                raise Errno(EBUSY)
            self.reserve = value
        elif optname == PACKET_VNET_HDR:
            if self.type != SOCK_RAW:
                raise Errno(EINVAL)
            value = self._int(t, optval, optlen, exact=False)
            if rings:
                raise Errno(EBUSY)
            self.vnet_hdr = bool(value)
        elif optname in FLAG_OPTIONS:
            value = self._int(t, optval, optlen, exact=False)
            if optname == PACKET_LOSS and rings:
                raise Errno(EBUSY)
            if value:
                self.flags.add(optname)
            else:
                self.flags.discard(optname)
        else:
            raise Errno(ENOPROTOOPT)

    def set_ring(self, t: Task, optval: int, optlen: int, *, tx: bool) -> None:
        """packet_set_ring's checks and allocation; a request of no blocks frees the ring."""
        layout = TPACKET_REQ3 if self.version == TPACKET_V3 else TPACKET_REQ
        if optlen < layout.size:
            raise Errno(EINVAL)
        fields = layout.unpack(copy_from_user(t.mm, optval, layout.size))
        block_size, block_nr, frame_size, frame_nr = fields[:4]
        ring = self.tx_ring if tx else self.rx_ring
        if self.mapped():
            raise Errno(EBUSY)
        if block_nr:
            if ring is not None:
                raise Errno(EBUSY)
            hdrlen = TPACKET_HDRLENS[self.version]
            if block_size == 0 or block_size > INT_MAX or block_size % PAGE_SIZE:
                raise Errno(EINVAL)
            min_frame = hdrlen + self.reserve
            if self.version == TPACKET_V3 and block_size < BLK_HDR_LEN + ((fields[5] + 7) & ~7) + min_frame:
                raise Errno(EINVAL)  # the block's header and private area leave no frame room
            if frame_size < min_frame or frame_size & (TPACKET_ALIGNMENT - 1):
                raise Errno(EINVAL)
            per_block = block_size // frame_size
            if per_block == 0 or per_block > UINT_MAX // block_nr or per_block * block_nr != frame_nr:
                raise Errno(EINVAL)
            if self.version == TPACKET_V3 and tx and any(fields[4:]):
                raise Errno(EINVAL)  # a transmit ring has no block timer, private area or features
            ram = self.ns.ram
            if ram is None:
                raise Errno(ENOMEM)
            new: Ring | None = make_ring(ram, block_size, block_nr, frame_size, frame_nr)
            if self.version == TPACKET_V3 and not tx:
                assert new is not None
                new.blocks = BlockQueue(fields[5], fields[4] or DEFAULT_PRB_RETIRE_TOV)  # init_prb_bdqc
                v3_open_block(new, new.blocks)
        else:
            if frame_nr:
                raise Errno(EINVAL)
            new = None
        if tx:
            self.tx_ring = new
        else:
            self.rx_ring = new

    def getsockopt_proto(self, t: Task, level: int, optname: int, length: int) -> bytes:
        """packet_getsockopt."""
        if level != SOL_PACKET:
            raise Errno(ENOPROTOOPT)
        if optname == PACKET_STATISTICS:
            packets, drops = self.packets + self.drops, self.drops
            self.packets = self.drops = 0
            if self.rx_ring is not None:
                self.rx_ring.losing = False  # tp_drops is zero again
            if self.version == TPACKET_V3:
                return TPACKET_STATS_V3.pack(packets, drops, 0)
            return TPACKET_STATS.pack(packets, drops)
        if optname == PACKET_HDRLEN:
            if length < 4:
                raise Errno(EINVAL)
            return TPACKET_HDR_SIZES.get(self.version, 0).to_bytes(4, "little")
        values = {
            PACKET_VERSION: self.version,
            PACKET_RESERVE: self.reserve,
            PACKET_VNET_HDR: int(self.vnet_hdr),
            PACKET_AUXDATA: 0,
            PACKET_TIMESTAMP: 0,
            **{option: int(option in self.flags) for option in FLAG_OPTIONS},
        }
        if optname not in values:
            raise Errno(ENOPROTOOPT)
        return values[optname].to_bytes(4, "little")

    # -- the file operations --

    def do_shutdown(self, how: int) -> None:
        raise Errno(EOPNOTSUPP)  # sock_no_shutdown

    def poll(self, f: OpenFile) -> int:
        """packet_poll (datagram_poll)."""
        mask = POLLOUT | POLLWRNORM | EPOLLWRBAND
        if self.err:
            mask |= POLLERR
        ring = self.rx_ring
        if ring is not None and ring.blocks is not None:
            if v3_readable(ring, ring.blocks):
                mask |= POLLIN | POLLRDNORM
        elif self.queue or (ring is not None and readable(ring, self.version)):
            mask |= POLLIN | POLLRDNORM
        return mask

    def look_again_at(self) -> float | None:
        """When a TPACKET_V3 block may retire by itself (readiness.Timed): a sleeping poll looks again then."""
        ring = self.rx_ring
        return ring.blocks.deadline if ring is not None and ring.blocks is not None else None

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        """packet_ioctl: SIOCINQ is the first frame's length."""
        if request == FIONREAD:
            return len(self.queue[0].data) if self.queue else 0
        raise Errno(ENOTTY)

    def message_limit(self) -> int | None:
        return self.devices.lo_mtu + ETH_HLEN + VLAN_HLEN + VIRTIO_NET_HDR_LEN + 1

    def close(self) -> None:
        """packet_release: out of the taps, the rings' RAM given back."""
        if not self.dead:
            self.taps.sockets.discard(self)
            self.rx_ring = self.tx_ring = None  # their pages go with the last mapping of them
        super().close()
