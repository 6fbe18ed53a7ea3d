"""Raw IPv4 sockets (net/ipv4/raw.c): IP packets of one protocol, sent and received whole on lo.

A raw socket sends its data under a header the kernel makes (or, with
IP_HDRINCL or as IPPROTO_RAW, the caller's own header, its length, id and
checksum filled in as raw_send_hdrinc does); the packet goes round lo
(kernel/ipv4_input.py) and every raw socket of its protocol, bound and
connected to match, receives it with its header. Received packets are
charged to SO_RCVBUF (a full one drops them) and RAM, as UDP's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.af_unix import (
    SKB_OVERHEAD,
    TCP_CLOSE,
    TCP_ESTABLISHED,
    Message,
    Payload,
    ReceiverCharged,
    SockAddr,
    Ucred,
)
from syscalltbl.machine.kernel.inet import InetSocket, PortTable, is_local_v4, mapped
from syscalltbl.machine.kernel.ipv4_input import IPV4_HEADER, checksum
from syscalltbl.machine.kernel.netns import InetNamespace
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EACCES,
    EADDRNOTAVAIL,
    EAFNOSUPPORT,
    EAGAIN,
    EDESTADDRREQ,
    EINVAL,
    EMSGSIZE,
    ENETUNREACH,
    ENOPROTOOPT,
    ENOTCONN,
    ENOTTY,
    EOPNOTSUPP,
    Errno,
)
from syscalltbl.machine.uapi.eventpoll import EPOLLWRBAND
from syscalltbl.machine.uapi.inet import (
    INADDR_ANY,
    INADDR_BROADCAST,
    IP_HDRINCL,
    IP_TOS,
    IP_TTL,
    IPPROTO_ICMP,
    IPPROTO_IP,
    IPPROTO_RAW,
    SOCKADDR_IN,
)
from syscalltbl.machine.uapi.misc import FIONREAD
from syscalltbl.machine.uapi.poll import POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from syscalltbl.machine.uapi.socket import (
    AF_INET,
    AF_UNSPEC,
    MSG_ERRQUEUE,
    MSG_OOB,
    SO_BROADCAST,
    SOCK_RAW,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.af_unix import UnixNamespace, UnixSocket
    from syscalltbl.machine.kernel.process import Task

SOL_RAW = 255
ICMP_FILTER = 1
MAX_RAW = 0xFFFF


class RawPacket(Message):
    """A packet in a raw socket's queue (its header included), with the address it came from."""

    source: bytes

    __slots__ = ("source",)
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
        source: bytes = INADDR_ANY,
    ) -> None:
        super().__init__(data, sender, cred, files, uid, consumed, charge)
        self.source = source


class RawSocket(ReceiverCharged, InetSocket):
    """A SOCK_RAW AF_INET socket of one protocol (struct raw_sock)."""

    def __init__(self, ns: UnixNamespace, owner: Task, protocol: int, net: InetNamespace) -> None:
        super().__init__(ns, SOCK_RAW, owner, AF_INET, protocol, PortTable(net.devices), net)
        self.hdrincl = protocol == IPPROTO_RAW  # IPPROTO_RAW sends the caller's header, always
        self.icmp_filter = 0  # ICMP_FILTER: the ICMP types (bits) not to receive
        self.rmem = 0
        net.ipv4.raw.add(self)

    # -- naming --

    def bind_addr(self, t: Task, raw: bytes) -> None:
        """raw_bind: an address lo holds (or a broadcast or multicast one); no port."""
        if self.state != TCP_CLOSE or len(raw) < SOCKADDR_IN.size:
            raise Errno(EINVAL)
        _family, _port, v4 = SOCKADDR_IN.unpack(raw[: SOCKADDR_IN.size])
        if v4 != INADDR_ANY and not is_local_v4(v4) and v4 != INADDR_BROADCAST and v4[0] >> 4 != 14:
            raise Errno(EADDRNOTAVAIL)
        self.local = (mapped(v4), 0)

    def connect_addr(self, t: Task, f: OpenFile, raw: bytes) -> None:
        """ip4_datagram_connect: the peer's address (AF_UNSPEC disconnects)."""
        if len(raw) >= 2 and int.from_bytes(raw[:2], "little") == AF_UNSPEC:
            self.remote = None
            self.state = TCP_CLOSE
            return
        if len(raw) < SOCKADDR_IN.size:
            raise Errno(EINVAL)
        family, _port, v4 = SOCKADDR_IN.unpack(raw[: SOCKADDR_IN.size])
        if family != AF_INET:
            raise Errno(EAFNOSUPPORT)
        dest = self.destination(mapped(v4))
        self.remote = (dest, 0)
        self.state = TCP_ESTABLISHED

    def getname(self, peer: bool) -> bytes:
        if peer and self.remote is None:
            raise Errno(ENOTCONN)
        return self.sockaddr(self.remote if peer and self.remote is not None else self.local)

    def autobind(self) -> None:
        pass  # a raw socket has no port to take

    # -- sending --

    def send(self, t: Task, f: OpenFile, payload: Payload, files: list[OpenFile], cred: Ucred | None, flags: int,
             to: bytes | None) -> int:
        """raw_sendmsg's checks in order, then the packet out on lo."""
        if payload.length > MAX_RAW:
            raise Errno(EMSGSIZE)
        if flags & MSG_OOB:
            raise Errno(EOPNOTSUPP)
        if to is not None:
            if len(to) < SOCKADDR_IN.size:
                raise Errno(EINVAL)
            family, _port, daddr = SOCKADDR_IN.unpack(to[: SOCKADDR_IN.size])
            if family not in (AF_INET, AF_UNSPEC):
                raise Errno(EAFNOSUPPORT)  # raw_sendmsg lets AF_UNSPEC pass, for old programs
        elif self.remote is None:
            raise Errno(EDESTADDRREQ)
        else:
            daddr = self.remote[0][12:]
        if files or cred is not None:
            raise Errno(EINVAL)
        if daddr == INADDR_ANY:
            daddr = b"\x7f\0\0\1"  # ip_route_output_key: no destination is this host, by lo
        dest = self.destination(mapped(daddr))[12:]
        if dest == INADDR_BROADCAST and not self.options.get(SO_BROADCAST):
            raise Errno(EACCES)
        saddr = self.local[0][12:] if self.local[0][12:] != INADDR_ANY else b"\x7f\0\0\1"
        data = payload.fetch(0, payload.length) if payload.length else b""
        if self.hdrincl:
            packet = self.with_header(data, saddr)
        else:
            if len(data) + 20 > MAX_RAW:
                raise Errno(EMSGSIZE)
            tos = self.ip_options.get((IPPROTO_IP, IP_TOS), 0) & 0xFF
            ttl = self.ip_options.get((IPPROTO_IP, IP_TTL), 64)
            packet = self.net.ipv4.build(self.protocol, saddr, dest, data, tos=tos, ttl=ttl)
        if not self.net.devices.lo_up:
            raise Errno(ENETUNREACH)
        self.ns.charge(len(packet) + SKB_OVERHEAD)  # the skb, while it goes round lo
        try:
            self.net.ip_output(packet)
        finally:
            self.ns.charge(-(len(packet) + SKB_OVERHEAD))
        return payload.length

    def with_header(self, data: bytes, saddr: bytes) -> bytes:
        """raw_send_hdrinc: the caller's header, its total length, id (if 0), source (if 0) and checksum set."""
        if len(data) > self.net.devices.lo_mtu:
            raise Errno(EMSGSIZE)
        if len(data) < 20:
            raise Errno(EINVAL)
        ihl = (data[0] & 0xF) * 4
        if ihl > len(data):
            raise Errno(EINVAL)
        if ihl < 20:
            return data  # too short a header to fill in: sent as it is (and dropped on arrival)
        fields = list(IPV4_HEADER.unpack_from(data))
        fields[2] = len(data)
        if not fields[3]:
            fields[3] = self.net.ipv4.ident()
        if fields[8] == INADDR_ANY:
            fields[8] = saddr
        fields[7] = 0
        header = IPV4_HEADER.pack(*fields) + data[20:ihl]
        header = header[:10] + checksum(header).to_bytes(2, "big") + header[12:]
        return header + data[ihl:]

    # -- receiving --

    def matches(self, protocol: int, saddr: bytes, daddr: bytes) -> bool:
        """raw_v4_match: our protocol, and our bound and connected addresses, where we have them."""
        if protocol != self.protocol:
            return False
        if self.remote is not None and self.remote[0][12:] != saddr:
            return False
        local = self.local[0][12:]
        return local in (INADDR_ANY, daddr)

    def rcv(self, packet: bytes) -> None:
        """raw_rcv: ICMP types the filter names are not taken; a full receive buffer drops the packet."""
        if self.protocol == IPPROTO_ICMP:
            ihl = (packet[0] & 0xF) * 4
            if len(packet) > ihl and self.icmp_filter >> (packet[ihl] & 31) & 1 and packet[ihl] < 32:
                return
        charge = len(packet) + SKB_OVERHEAD
        ram = self.ns.ram
        if self.rmem >= self.rcvbuf or (ram is not None and not ram.slab_fits(charge)):
            return
        self.ns.charge(charge)
        self.rmem += charge
        self.enqueue(RawPacket(packet, self, None, charge=charge, source=packet[12:16]))

    def recv_dgram(self, t: Task, f: OpenFile, size: int, flags: int) -> tuple[bytes, int, list[OpenFile],
                                                                             Ucred | None, SockAddr | None, bool]:
        """raw_recvmsg: the first packet, its header included, cut to `size`."""
        try:
            if flags & MSG_OOB:
                raise Errno(EOPNOTSUPP)
            if flags & MSG_ERRQUEUE:
                raise Errno(EAGAIN)
            if not self.await_message(t, f, flags):
                return b"", 0, [], None, None, False
        except Errno:
            self.done_waiting(t)
            raise
        m, data, value, truncated = self.take_datagram(size, flags)
        assert isinstance(m, RawPacket)
        return data, value, [], None, SockAddr(SOCKADDR_IN.pack(AF_INET, b"\0\0", m.source)), truncated

    # -- options --

    def setsockopt_proto(self, t: Task, level: int, optname: int, optval: int, optlen: int) -> None:
        """IP_HDRINCL beside SOL_IP's others; SOL_RAW's ICMP_FILTER on an ICMP socket (raw_setsockopt)."""
        if level == SOL_RAW:
            if optname != ICMP_FILTER:
                raise Errno(ENOPROTOOPT)
            if self.protocol != IPPROTO_ICMP:
                raise Errno(EOPNOTSUPP)
            self.icmp_filter = int.from_bytes(copy_from_user(t.mm, optval, min(max(optlen, 0), 4)).ljust(4, b"\0"),
                                              "little")
            return
        if level == IPPROTO_IP and optname == IP_HDRINCL:
            if optlen < 1:
                raise Errno(EINVAL)
            value = int.from_bytes(copy_from_user(t.mm, optval, min(optlen, 4)), "little", signed=True)
            if self.protocol != IPPROTO_RAW:
                self.hdrincl = bool(value)
            return
        super().setsockopt_proto(t, level, optname, optval, optlen)

    def getsockopt_proto(self, t: Task, level: int, optname: int, length: int) -> bytes:
        if level == SOL_RAW:
            if optname != ICMP_FILTER:
                raise Errno(ENOPROTOOPT)
            if self.protocol != IPPROTO_ICMP:
                raise Errno(EOPNOTSUPP)
            return self.icmp_filter.to_bytes(4, "little")[: min(length, 4)]
        if level == IPPROTO_IP and optname == IP_HDRINCL:
            return int(self.hdrincl).to_bytes(4, "little")
        return super().getsockopt_proto(t, level, optname, length)

    # -- the file operations --

    def poll(self, f: OpenFile) -> int:
        mask = POLLOUT | POLLWRNORM | EPOLLWRBAND
        if self.err:
            mask |= POLLERR
        if self.queue:
            mask |= POLLIN | POLLRDNORM
        return mask

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        """raw_ioctl: SIOCINQ is the first packet's length."""
        if request == FIONREAD:
            return len(self.queue[0].data) if self.queue else 0
        raise Errno(ENOTTY)

    def message_limit(self) -> int | None:
        return MAX_RAW + 1

    def close(self) -> None:
        if not self.dead:
            self.net.ipv4.raw.discard(self)
        super().close()
