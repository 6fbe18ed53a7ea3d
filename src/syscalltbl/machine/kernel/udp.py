"""UDP over the machine's loopback (net/ipv4/udp.c, net/ipv6/udp.c, datagram.c).

A datagram goes straight into the receiving socket's queue, charged to that
socket's receive buffer as an skb is once it arrived (a full buffer drops it,
silently, as Linux does) and to the machine's RAM. A datagram to a port
nobody holds is lost; a connected sender hears of it as ECONNREFUSED (the
ICMP port unreachable), on its next call.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.af_unix import (  # fmt: skip
    SKB_OVERHEAD,
    TCP_CLOSE,
    TCP_ESTABLISHED,
    Message,
    Payload,
    ReceiverCharged,
    SockAddr,
    Ucred,
)
from syscalltbl.machine.kernel.inet import (
    V4_ANY,
    Endpoint,
    InetSocket,
    PortTable,
    is_any,
    is_mapped,
    is_multicast_v4,
    mapped,
    route_source,
)
from syscalltbl.machine.kernel.ipv4_input import checksum
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EACCES,
    EAFNOSUPPORT,
    EAGAIN,
    ECONNREFUSED,
    EDESTADDRREQ,
    EINVAL,
    EMSGSIZE,
    ENOPROTOOPT,
    ENOTTY,
    EOPNOTSUPP,
    EPIPE,
    Errno,
)
from syscalltbl.machine.uapi.eventpoll import EPOLLRDHUP, EPOLLWRBAND
from syscalltbl.machine.uapi.inet import (
    INADDR_BROADCAST,
    IP_MULTICAST_LOOP,
    IPPROTO_IP,
    IPPROTO_UDP,
    IPPROTO_UDPLITE,
    SIN6_LEN_RFC2133,
    SIOCOUTQ,
    SOCKADDR_IN,
    SOCKADDR_IN6,
    UDP_CORK,
    UDP_MAX_PAYLOAD4,
    UDP_MAX_PAYLOAD6,
    UDPLITE_RECV_CSCOV,
    UDPLITE_SEND_CSCOV,
)
from syscalltbl.machine.uapi.misc import FIONREAD
from syscalltbl.machine.uapi.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from syscalltbl.machine.uapi.socket import (
    AF_INET,
    AF_INET6,
    AF_UNSPEC,
    MSG_ERRQUEUE,
    MSG_MORE,
    MSG_OOB,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SHUTDOWN_MASK,
    SO_BROADCAST,
    SOCK_DGRAM,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.af_unix import UnixNamespace, UnixSocket
    from syscalltbl.machine.kernel.process import Task

MAX_DATAGRAM = 0xFFFF  # udp_sendmsg: a datagram's length field holds no more
UDP_HEADER = 8


def udp_lookup(ports: PortTable, source: Endpoint, dest: Endpoint) -> UdpSocket | None:
    """__udp4_lib_lookup's best score: a socket bound to the very address, and connected to source, first."""
    best: UdpSocket | None = None
    best_score = -1
    for other in ports.sockets(dest[1]):
        if not isinstance(other, UdpSocket) or other.dead or not other.covers(dest[0]):
            continue
        if other.remote is not None and other.remote != source:
            continue
        score = (0 if is_any(other.local[0]) else 2) + (1 if other.remote is not None else 0)
        if score > best_score:
            best, best_score = other, score
    return best


def udp_packet_rcv(ports: PortTable, saddr: bytes, daddr: bytes, segment: bytes) -> bool:
    """udp_rcv of a packet made by hand (a raw or packet socket's): its length and checksum checked, its data
    to the socket of its port; False when none holds the port (the caller answers port unreachable)."""
    if len(segment) < UDP_HEADER:
        return True  # malformed: dropped, no answer
    sport, dport, length, check = struct.unpack_from("!HHHH", segment)
    if length < UDP_HEADER or length > len(segment):
        return True
    segment = segment[:length]
    if check and udp_checksum(saddr, daddr, segment):
        return True  # a bad checksum: dropped
    receiver = udp_lookup(ports, (mapped(saddr), sport), (mapped(daddr), dport))
    if receiver is None:
        return False
    data = segment[UDP_HEADER:]
    charge = len(data) + SKB_OVERHEAD
    if receiver.rmem > receiver.rcvbuf or receiver.shutdown & RCV_SHUTDOWN:
        return True
    ram = receiver.ns.ram
    if ram is not None and not ram.slab_fits(charge):
        return True
    receiver.ns.charge(charge)
    receiver.rmem += charge
    receiver.enqueue(Datagram(data, receiver, None, charge=charge, source=(mapped(saddr), sport)))
    return True


def udp_checksum(saddr: bytes, daddr: bytes, segment: bytes) -> int:
    """The ones' complement sum over the pseudo-header and the segment: 0 when the checksum in it is right."""
    return checksum(saddr + daddr + struct.pack("!BBH", 0, IPPROTO_UDP, len(segment)) + segment)


class Datagram(Message):
    """A datagram in a receive queue: charged to its receiver, with the address it came from."""

    source: Endpoint
    coverage: int  # UDP-Lite: how many bytes (header included) its checksum covers; 0 for all

    __slots__ = ("coverage", "source")
    _fields = (*Message._fields, "source", "coverage")

    def __init__(
        self,
        data: bytes,
        sender: UnixSocket,
        cred: Ucred | None,
        files: list[OpenFile] | None = None,
        uid: int = 0,
        consumed: int = 0,
        charge: int = 0,
        source: Endpoint = (V4_ANY, 0),
        coverage: int = 0,
    ) -> None:
        super().__init__(data, sender, cred, files, uid, consumed, charge)
        self.source = source
        self.coverage = coverage


class UdpSocket(ReceiverCharged, InetSocket):
    """A UDP socket (struct udp_sock) of either family."""

    def __init__(self, ns: UnixNamespace, owner: Task, family: int, ports: PortTable,
                 protocol: int = IPPROTO_UDP) -> None:
        super().__init__(ns, SOCK_DGRAM, owner, family, protocol, ports)
        #: UDP-Lite's UDPLITE_SEND_CSCOV and UDPLITE_RECV_CSCOV (None: never set): what a datagram sent covers,
        #: and the least coverage one must have to be received.
        self.send_cscov = 0
        self.recv_cscov: int | None = None
        self.rmem = 0  # what the datagrams in our queue are charged (sk_rmem_alloc)
        self.user_bound = False
        #: A datagram that sends with MSG_MORE (or under UDP_CORK) build: (source, destination, data), sent
        #: whole by the next send without it (up->pending).
        self.building: tuple[Endpoint, Endpoint, bytes] | None = None
        self.corked = False

    def bind_addr(self, t: Task, raw: bytes) -> None:
        super().bind_addr(t, raw)
        self.user_bound = True

    # -- addresses --

    def destination_of(self, raw: bytes) -> Endpoint:
        """udp_sendmsg's and udpv6_sendmsg's checks of a msg_name."""
        if self.family == AF_INET6 and len(raw) >= 2 and int.from_bytes(raw[:2], "little") == AF_INET6:
            if len(raw) < SIN6_LEN_RFC2133:
                raise Errno(EINVAL)
            _, port6, _, addr, _ = SOCKADDR_IN6.unpack((raw + bytes(4))[: SOCKADDR_IN6.size])
            if port6 == b"\0\0":
                raise Errno(EINVAL)
            return addr, int.from_bytes(port6, "big")
        if self.family == AF_INET6:
            if len(raw) < 2:
                raise Errno(EINVAL)
            if int.from_bytes(raw[:2], "little") != AF_INET:
                raise Errno(EINVAL)  # udpv6_sendmsg: neither AF_INET6 nor AF_INET (AF_UNSPEC is no address)
        if len(raw) < SOCKADDR_IN.size:
            raise Errno(EINVAL)
        family, port, v4 = SOCKADDR_IN.unpack(raw[: SOCKADDR_IN.size])
        if family not in (AF_INET, AF_UNSPEC):
            raise Errno(EAFNOSUPPORT)
        if port == b"\0\0":
            raise Errno(EINVAL)
        return mapped(v4), int.from_bytes(port, "big")

    def connect_addr(self, t: Task, f: OpenFile, raw: bytes) -> None:
        """inet_dgram_connect / ip4_datagram_connect / ip6_datagram_connect."""
        if len(raw) < 2:
            raise Errno(EINVAL)
        if int.from_bytes(raw[:2], "little") == AF_UNSPEC:
            self.disconnect()
            return
        self.autobind()  # before the address is looked at
        if self.family == AF_INET6 and int.from_bytes(raw[:2], "little") == AF_INET:
            if self.v6only:
                raise Errno(EAFNOSUPPORT)
            if len(raw) < SOCKADDR_IN.size:
                raise Errno(EINVAL)
            _, port_bytes, v4 = SOCKADDR_IN.unpack(raw[: SOCKADDR_IN.size])
            addr, port = mapped(v4), int.from_bytes(port_bytes, "big")
        else:
            addr, port = self.parse(raw, for_bind=False)
        dest = self.destination(addr)
        self.check_broadcast(dest)
        self.choose_source(dest)
        self.remote = (dest, port)
        self.state = TCP_ESTABLISHED
        self.touch()

    def disconnect(self) -> None:
        """udp_disconnect: no peer; an address and port bind did not fix are let go."""
        self.flush_pending(send=False)
        self.remote = None
        self.state = TCP_CLOSE
        if not self.user_bound:
            self.release_port()
        self.touch()

    def check_broadcast(self, dest: bytes) -> None:
        if is_mapped(dest) and dest[12:] == INADDR_BROADCAST and not self.options.get(SO_BROADCAST):
            raise Errno(EACCES)

    # -- sending --

    def send(self, t: Task, f: OpenFile, payload: Payload, files: list[OpenFile], cred: Ucred | None, flags: int,
             to: bytes | None) -> int:
        """inet_sendmsg's autobind, then udp_sendmsg's checks in order, then delivery."""
        self.autobind()
        if payload.length > MAX_DATAGRAM:
            raise Errno(EMSGSIZE)
        if flags & MSG_OOB and self.family == AF_INET:
            raise Errno(EOPNOTSUPP)  # udp_sendmsg's, which udpv6_sendmsg does not have
        more = bool(flags & MSG_MORE) or self.corked
        if self.building is not None:
            return self.append_pending(payload, more)  # the address of the first send holds, unchecked
        if to is not None and self.family == AF_INET6 and to[:2] == AF_UNSPEC.to_bytes(2, "little"):
            to = None  # udpv6_sendmsg: an AF_UNSPEC name is no name
        if to is not None:
            addr, port = self.destination_of(to)
        elif self.remote is None:
            raise Errno(EDESTADDRREQ)
        else:
            addr, port = self.remote
        if files or cred is not None:
            raise Errno(EINVAL)  # ip_cmsg_send: SOL_SOCKET's SCM_RIGHTS and SCM_CREDENTIALS are not for UDP
        dest = self.destination(addr)
        self.check_broadcast(dest)
        if payload.length > (UDP_MAX_PAYLOAD6 if self.family == AF_INET6 and not is_mapped(dest) else
                             UDP_MAX_PAYLOAD4):
            raise Errno(EMSGSIZE)
        if self.shutdown & SEND_SHUTDOWN:
            raise Errno(EPIPE)
        data = payload.fetch(0, payload.length) if payload.length else b""
        source = self.local[0] if not is_any(self.local[0]) else route_source(dest)
        if is_mapped(dest) and not is_mapped(source):
            source = route_source(dest)
        if more:
            self.ns.charge(len(data) + SKB_OVERHEAD)
            self.building = ((source, self.bound_port), (dest, port), data)
            return len(data)
        self.deliver(data, (source, self.bound_port), (dest, port))
        return len(data)

    def append_pending(self, payload: Payload, more: bool) -> int:
        """ip_append_data to the datagram under way; EMSGSIZE (and the datagram lost) past what one holds."""
        assert self.building is not None
        source, dest, data = self.building
        limit = UDP_MAX_PAYLOAD6 if self.family == AF_INET6 and not is_mapped(dest[0]) else UDP_MAX_PAYLOAD4
        if len(data) + payload.length > limit:
            self.flush_pending(send=False)
            raise Errno(EMSGSIZE)
        added = payload.fetch(0, payload.length) if payload.length else b""
        self.ns.charge(len(added))
        self.building = (source, dest, data + added)
        if not more:
            self.flush_pending(send=True)
        return len(added)

    def flush_pending(self, send: bool) -> None:
        """udp_push_pending_frames (or udp_flush_pending_frames, `send` false)."""
        if self.building is None:
            return
        source, dest, data = self.building
        self.building = None
        self.ns.charge(-(len(data) + SKB_OVERHEAD))
        if send:
            self.deliver(data, source, dest)

    def close(self) -> None:
        if not self.dead:
            self.flush_pending(send=False)
        super().close()

    def deliver(self, data: bytes, source: Endpoint, dest: Endpoint) -> None:
        """udp_rcv on lo: the socket for dest that takes packets from source, or the sender's ECONNREFUSED."""
        if is_mapped(dest[0]) and is_multicast_v4(dest[0][12:]):
            if self.ip_options.get((IPPROTO_IP, IP_MULTICAST_LOOP), 1):
                for member in self.members_of(dest):
                    self.deliver_to(member, data, source)
            return
        receiver = self.receiver_for(source, dest)
        if receiver is None:
            if self.remote is not None and self.remote == dest:
                self.err = ECONNREFUSED  # the ICMP port unreachable, reported to a connected socket
                self.touch()
            return
        self.deliver_to(receiver, data, source)

    def members_of(self, dest: Endpoint) -> list[UdpSocket]:
        """__udp4_lib_mcast_deliver: every socket on the port, bound to the group or the wildcard, that joined."""
        return [other for other in self.ports.sockets(dest[1]) if isinstance(other, UdpSocket) and not other.dead
                and other.covers(dest[0]) and dest[0][12:] in other.groups]

    def deliver_to(self, receiver: UdpSocket, data: bytes, source: Endpoint) -> None:
        charge = len(data) + SKB_OVERHEAD
        datagram = Datagram(data, self, None, charge=charge, source=source, coverage=self.coverage(len(data)))
        if not receiver.takes(datagram):
            return  # UDP-Lite: too little of it is covered for this receiver, dropped
        if receiver.rmem > receiver.rcvbuf or receiver.shutdown & RCV_SHUTDOWN:
            return  # __udp_enqueue_schedule_skb: the receive buffer is full, the datagram dropped
        self.ns.charge(charge)  # ENOBUFS when the machine's RAM has no room
        receiver.rmem += charge
        receiver.enqueue(datagram)

    def coverage(self, length: int) -> int:
        """udplite_csum's coverage of a datagram of `length` bytes: 0 (all of it) unless set below that."""
        if self.protocol != IPPROTO_UDPLITE or not self.send_cscov or self.send_cscov >= length + UDP_HEADER:
            return 0
        return self.send_cscov

    def takes(self, m: Datagram) -> bool:
        """udp_queue_rcv_one_skb's UDP-Lite check: a partly covered datagram only if it covers enough."""
        if self.recv_cscov is None or not m.coverage:
            return True
        return bool(self.recv_cscov) and m.coverage >= self.recv_cscov

    def receiver_for(self, source: Endpoint, dest: Endpoint) -> UdpSocket | None:
        return udp_lookup(self.ports, source, dest)

    def message_limit(self) -> int | None:
        return MAX_DATAGRAM + 1  # write(2) copies no more than a datagram may hold, and one byte to say too much

    # -- receiving --

    def recv_dgram(self, t: Task, f: OpenFile, size: int, flags: int) -> tuple[bytes, int, list[OpenFile],
                                                                             Ucred | None, SockAddr | None, bool]:
        """udp_recvmsg: the first datagram (cut to `size`), and who sent it."""
        try:
            return self.recv_datagram(t, f, size, flags)
        except Errno:
            self.done_waiting(t)  # as ends_waits: an error ends a timed wait
            raise

    def recv_datagram(self, t: Task, f: OpenFile, size: int, flags: int) -> tuple[bytes, int, list[OpenFile],
                                                                               Ucred | None, SockAddr | None, bool]:
        if flags & MSG_ERRQUEUE:
            raise Errno(EAGAIN)  # ip_recv_error: nothing in the error queue
        if not self.await_message(t, f, flags):
            return b"", 0, [], None, None, False
        m, data, value, truncated = self.take_datagram(size, flags)
        assert isinstance(m, Datagram)
        return data, value, [], None, SockAddr(self.sockaddr(m.source)), truncated

    # -- the file operations --

    def poll(self, f: OpenFile) -> int:
        """udp_poll (datagram_poll): a datagram never waits for room on lo."""
        mask = POLLOUT | POLLWRNORM | EPOLLWRBAND
        if self.err:
            mask |= POLLERR
        if self.shutdown & RCV_SHUTDOWN:
            mask |= EPOLLRDHUP | POLLIN | POLLRDNORM
        if self.shutdown == SHUTDOWN_MASK:
            mask |= POLLHUP
        if self.queue:
            mask |= POLLIN | POLLRDNORM
        return mask

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        """udp_ioctl: SIOCINQ is the first datagram's length, SIOCOUTQ nothing (sent at once)."""
        if request == FIONREAD:
            return len(self.queue[0].data) if self.queue else 0
        if request == SIOCOUTQ:
            return 0
        raise Errno(ENOTTY)

    # -- options --

    def setsockopt_proto(self, t: Task, level: int, optname: int, optval: int, optlen: int) -> None:
        """udp_lib_setsockopt: UDP_CORK holds datagrams as MSG_MORE does; clearing it sends what it held."""
        if level != self.protocol:
            super().setsockopt_proto(t, level, optname, optval, optlen)
            return
        cscov = self.protocol == IPPROTO_UDPLITE and optname in (UDPLITE_SEND_CSCOV, UDPLITE_RECV_CSCOV)
        if optname != UDP_CORK and not cscov:
            raise Errno(ENOPROTOOPT)
        if optlen < 4:
            raise Errno(EINVAL)
        value = int.from_bytes(copy_from_user(t.mm, optval, 4), "little", signed=True)
        if cscov:
            value = 8 if value != 0 and value < 8 else min(value, 0xFFFF)  # less than the header: the header
            if optname == UDPLITE_SEND_CSCOV:
                self.send_cscov = value
            else:
                self.recv_cscov = value
            return
        self.corked = bool(value)
        if not self.corked:
            self.flush_pending(send=True)

    def getsockopt_proto(self, t: Task, level: int, optname: int, length: int) -> bytes:
        if level != self.protocol:
            return super().getsockopt_proto(t, level, optname, length)
        if self.protocol == IPPROTO_UDPLITE and optname == UDPLITE_SEND_CSCOV:
            return self.send_cscov.to_bytes(4, "little")
        if self.protocol == IPPROTO_UDPLITE and optname == UDPLITE_RECV_CSCOV:
            return (self.recv_cscov or 0).to_bytes(4, "little")
        if optname != UDP_CORK:
            raise Errno(ENOPROTOOPT)
        return int(self.corked).to_bytes(4, "little")
