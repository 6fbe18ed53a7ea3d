"""Internet sockets on the machine's own loopback (net/ipv4/af_inet.c, net/ipv6/af_inet6.c): naming and ports.

The machine has one network interface, lo, holding 127.0.0.0/8 and ::1; a
socket binds there or to the wildcard, and connects or sends to a loopback
address. No host socket is ever made: a connection is two machine sockets
whose queues feed each other (kernel/tcp.py), a datagram a message put in
another machine socket's queue (kernel/udp.py).

Every address is kept in IPv6 form (an IPv4 one as ::ffff:a.b.c.d), so one
port table serves both families and an IPv6 socket bound to :: hears IPv4
peers, as Linux's dual-stack sockets do; each socket shows its addresses in
its own family's sockaddr.

The socket-level machinery (queues charged to buffers and RAM, blocking
waits as Sleeps, SO_* options) is the Unix socket's (kernel/af_unix.py);
this module adds what differs: names, ports and the protocol options.
"""

from __future__ import annotations

import functools
import struct
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.af_packet import PacketTaps, lo_xmit
from syscalltbl.machine.kernel.af_unix import TCP_CLOSE, TCP_LISTEN, UnixNamespace, UnixSocket
from syscalltbl.machine.kernel.ipv4_input import Ipv4, frame_of, ip_rcv
from syscalltbl.machine.kernel.mcast import MEMBERSHIP_OPTIONS, set_membership
from syscalltbl.machine.kernel.netdev import NetDevices
from syscalltbl.machine.kernel.netlink_table import NetlinkTable
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.userns import UserNamespace, owner_of
from syscalltbl.machine.uapi.capability import CAP_NET_BIND_SERVICE
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EACCES,
    EADDRINUSE,
    EADDRNOTAVAIL,
    EAFNOSUPPORT,
    EAGAIN,
    EINVAL,
    ENETUNREACH,
    ENOPROTOOPT,
    ENOTCONN,
    EOPNOTSUPP,
    Errno,
)
from syscalltbl.machine.uapi.inet import (
    IN6ADDR_ANY,
    IN6ADDR_LOOPBACK,
    INADDR_ANY,
    INADDR_BROADCAST,
    INADDR_LOOPBACK,
    IP_DEFAULT_TTL,
    IP_FREEBIND,
    IP_LOCAL_PORT_FIRST,
    IP_LOCAL_PORT_LAST,
    IP_MTU,
    IP_MTU_DISCOVER,
    IP_MULTICAST_LOOP,
    IP_MULTICAST_TTL,
    IP_PKTINFO,
    IP_RECVERR,
    IP_RECVOPTS,
    IP_RECVTOS,
    IP_RECVTTL,
    IP_TOS,
    IP_TTL,
    IP_UNPRIVILEGED_PORT_START,
    IPPROTO_IP,
    IPPROTO_IPV6,
    IPV6_MULTICAST_HOPS,
    IPV6_MULTICAST_LOOP,
    IPV6_RECVPKTINFO,
    IPV6_TCLASS,
    IPV6_UNICAST_HOPS,
    IPV6_V6ONLY,
    SIN6_LEN_RFC2133,
    SOCKADDR_IN,
    SOCKADDR_IN6,
    V4MAPPED_PREFIX,
)
from syscalltbl.machine.uapi.socket import AF_INET, AF_INET6, AF_UNSPEC, SO_REUSEADDR, SO_REUSEPORT, SOCK_STREAM

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.netns import InetNamespace
    from syscalltbl.machine.kernel.process import Task

#: An address and port: the address always 16 bytes, an IPv4 one v4-mapped.
Endpoint = tuple[bytes, int]
V4_ANY = V4MAPPED_PREFIX + INADDR_ANY
V4_LOOPBACK = V4MAPPED_PREFIX + INADDR_LOOPBACK
PORTS = IP_LOCAL_PORT_LAST - IP_LOCAL_PORT_FIRST + 1
_INT = struct.Struct("<i")

# IP_MTU_DISCOVER's values: IP_PMTUDISC_DONT .. IP_PMTUDISC_OMIT, IP_PMTUDISC_WANT the default
IP_PMTUDISC_WANT = 1
IP_PMTUDISC_OMIT = 5


def mapped(v4: bytes) -> bytes:
    return V4MAPPED_PREFIX + v4


def is_mapped(addr: bytes) -> bool:
    return addr[:12] == V4MAPPED_PREFIX


def is_any(addr: bytes) -> bool:
    return addr in (IN6ADDR_ANY, V4_ANY)


def is_local_v4(v4: bytes) -> bool:
    """An address lo answers to: 127.0.0.0/8."""
    return v4[0] == 127


def is_multicast_v4(v4: bytes) -> bool:
    return v4[0] >> 4 == 14


class PortTable:
    """One protocol's bound sockets by port (inet_hashinfo's bind buckets, udp_table), in a namespace whose
    devices (`devices`, lo alone) its routes go through."""

    def __init__(self, devices: NetDevices) -> None:
        self.devices = devices
        self.bound: dict[int, list[InetSocket]] = {}
        self.next_ephemeral = 0  # where the next search for a free ephemeral port starts

    def sockets(self, port: int) -> list[InetSocket]:
        return self.bound.get(port, [])

    def add(self, sock: InetSocket, port: int) -> None:
        self.bound.setdefault(port, []).append(sock)

    def remove(self, sock: InetSocket, port: int) -> None:
        users = self.bound.get(port)
        if users is not None and sock in users:
            users.remove(sock)
            if not users:
                del self.bound[port]

    def free_port(self) -> int | None:
        """An ephemeral port no socket holds (ip_local_port_range), searched from after the last one given."""
        for step in range(PORTS):
            port = IP_LOCAL_PORT_FIRST + (self.next_ephemeral + step) % PORTS
            if port not in self.bound:
                self.next_ephemeral = (port - IP_LOCAL_PORT_FIRST + 1) % PORTS
                return port
        return None


def inet_parts(ns: InetNamespace) -> None:
    """A network namespace's parts (kernel/netns.py makes them at the first use of the first namespace, at
    once for a new one): the devices, lo up in the first namespace and down in a new one, whose IPv4
    devconf is copied from the first one's as it is now; the netlink table, the packet taps, IPv4 and the
    port tables."""
    first = ns.init is ns
    devices = NetDevices(first, ns.user_ns if isinstance(ns.user_ns, UserNamespace) else None)
    if not first:
        devices.inherit_conf(ns.init.devices)
    ns.devices = devices
    ns.unix_abstract = {}
    ns.netlink = NetlinkTable()
    ns.packet = PacketTaps()
    ns.ipv4 = Ipv4()
    # What comes in on lo goes to this namespace's IPv4, whose answers go out on lo again; bound through
    # the parts, not the namespace, so that it is freed as soon as its last user lets it go.
    ns.packet.ip_input = functools.partial(_ip_input, ns.ipv4, weakref.ref(ns.packet), devices)
    ns.tcp = PortTable(devices)
    ns.udp = PortTable(devices)
    ns.udplite = PortTable(devices)


def lo_output(taps: PacketTaps | None, devices: NetDevices, packet: bytes) -> None:
    """ip_output on lo: the packet goes round it as a frame (kernel/af_packet.py's lo_xmit); nothing
    leaves while lo is down."""
    if taps is not None and devices.lo_up:
        lo_xmit(taps, frame_of(packet), None)


def _ip_input(ipv4: Ipv4, taps: weakref.ref[PacketTaps], devices: NetDevices, packet: bytes) -> None:
    ip_rcv(ipv4, packet, functools.partial(lo_output, taps(), devices))


def inet_namespace(t: Task) -> InetNamespace:
    """The task's network namespace (current->nsproxy->net_ns): where the sockets it makes live."""
    return t.nsproxy.net


def route_source(dest: bytes) -> bytes:
    """The source address a connection or datagram to `dest` on lo takes (ip route get: src 127.0.0.1, ::1)."""
    return V4_LOOPBACK if is_mapped(dest) else IN6ADDR_LOOPBACK


class InetSocket(UnixSocket):
    """An AF_INET or AF_INET6 socket: what its protocol (TcpSocket, UdpSocket) shares."""

    PROTOCOL_OPTIONS = True

    def do_shutdown(self, how: int) -> None:
        """inet_shutdown for a datagram socket (UDP, raw; TCP has its own): ENOTCONN unless connected, the
        bits set all the same."""
        if how < 0 or how > 2:
            raise Errno(EINVAL)
        self.shutdown |= how + 1
        self.touch()
        if self.state == TCP_CLOSE:
            raise Errno(ENOTCONN)

    def __init__(self, ns: UnixNamespace, kind: int, owner: Task, family: int, protocol: int,
                 ports: PortTable, net: InetNamespace | None = None) -> None:
        super().__init__(ns, kind, owner, net)
        self.family = family
        self.protocol = protocol
        self.ports = ports
        self.local: Endpoint = (V4_ANY if family == AF_INET else IN6ADDR_ANY, 0)
        self.remote: Endpoint | None = None
        self.v6only = False
        self.ip_options: dict[tuple[int, int], int] = {}  # (level, option) -> value, the stored ones
        self.groups: set[bytes] = set()  # the IPv4 multicast groups joined (never an accepted socket's)

    # -- addresses --

    @property
    def bound_port(self) -> int:
        return self.local[1]

    def sockaddr(self, endpoint: Endpoint) -> bytes:
        """`endpoint` as this socket's family shows it (inet_getname, inet6_getname)."""
        addr, port = endpoint
        if self.family == AF_INET:
            return SOCKADDR_IN.pack(AF_INET, port.to_bytes(2, "big"), addr[12:])
        return SOCKADDR_IN6.pack(AF_INET6, port.to_bytes(2, "big"), b"\0" * 4, addr, 0)

    def getname(self, peer: bool) -> bytes:
        if not peer:
            return self.sockaddr(self.local)
        if self.remote is None or self.state == TCP_LISTEN:
            raise Errno(ENOTCONN)
        return self.sockaddr(self.remote)

    def parse(self, raw: bytes, for_bind: bool) -> Endpoint:
        """A sockaddr for bind or connect: EINVAL for a short one, EAFNOSUPPORT for another family."""
        if self.family == AF_INET:
            if len(raw) < SOCKADDR_IN.size:
                raise Errno(EINVAL)
            family, port, v4 = SOCKADDR_IN.unpack(raw[: SOCKADDR_IN.size])
            if family != AF_INET and not (for_bind and family == AF_UNSPEC and v4 == INADDR_ANY):
                raise Errno(EAFNOSUPPORT)  # bind takes AF_UNSPEC with INADDR_ANY, for compatibility
            return mapped(v4), int.from_bytes(port, "big")
        if len(raw) < SIN6_LEN_RFC2133:
            raise Errno(EINVAL)
        family, port, _, addr, _ = SOCKADDR_IN6.unpack((raw + bytes(4))[: SOCKADDR_IN6.size])
        if family != AF_INET6:
            raise Errno(EAFNOSUPPORT)
        return addr, int.from_bytes(port, "big")

    # -- ports --

    def reuse(self) -> bool:
        return bool(self.options.get(SO_REUSEADDR))

    def reuseport(self) -> bool:
        return bool(self.options.get(SO_REUSEPORT))

    def covers(self, addr: bytes) -> bool:
        """A packet for `addr` reaches this socket's local address (a wildcard's family, or the very address)."""
        mine = self.local[0]
        if mine == V4_ANY:
            return is_mapped(addr)
        if mine == IN6ADDR_ANY:
            return not (self.v6only and is_mapped(addr))
        return mine == addr

    def overlaps(self, other: InetSocket) -> bool:
        """inet_rcv_saddr_equal with wildcards: the two local addresses share some address."""
        return self.covers(other.local[0]) or other.covers(self.local[0])

    def conflicts(self, other: InetSocket) -> bool:
        """inet_csk_bind_conflict (and udp_lib_lport_inuse): `other` holds the port in a way this may not share."""
        if other is self or other.dead or not self.overlaps(other):
            return False
        if self.reuse() and other.reuse() and other.state != TCP_LISTEN:
            return False
        return not (self.reuseport() and other.reuseport() and self.uid == other.uid)

    def port_free_for(self, port: int) -> bool:
        return not any(self.conflicts(other) for other in self.ports.sockets(port))

    def take_port(self, addr: bytes, port: int) -> None:
        """get_port: bind to `port` (an ephemeral one for 0); EADDRINUSE when it is held."""
        old = self.local
        self.local = (addr, port)
        if port:
            if not self.port_free_for(port):
                self.local = old
                raise Errno(EADDRINUSE)
        else:
            found = self.ports.free_port()
            if found is None:
                self.local = old
                raise Errno(EADDRINUSE)
            self.local = (addr, found)
        self.ports.add(self, self.local[1])

    def autobind(self) -> None:
        """inet_autobind: a socket that sends or connects unbound gets an ephemeral port (EAGAIN if none)."""
        if self.bound_port:
            return
        port = self.ports.free_port()
        if port is None:
            raise Errno(EAGAIN)
        self.local = (self.local[0], port)
        self.ports.add(self, port)

    def release_port(self) -> None:
        if self.bound_port:
            self.ports.remove(self, self.bound_port)
        self.local = (V4_ANY if self.family == AF_INET else IN6ADDR_ANY, 0)

    def bind_addr(self, t: Task, raw: bytes) -> None:
        """inet_bind / inet6_bind, their checks in Linux's order."""
        addr, port = self.parse(raw, for_bind=True)
        if self.family == AF_INET6 and not is_mapped(addr) and addr[0] == 0xFF and self.type == SOCK_STREAM:
            raise Errno(EINVAL)  # a multicast address for a stream socket
        if self.family == AF_INET:
            self.check_local(addr)
        wants_privilege = 0 < port < IP_UNPRIVILEGED_PORT_START
        if wants_privilege and not t.cred.ns_capable(owner_of(self.net), CAP_NET_BIND_SERVICE):
            raise Errno(EACCES)
        if self.state != TCP_CLOSE or self.bound_port:
            raise Errno(EINVAL)
        if self.family == AF_INET6:
            if is_mapped(addr) and self.v6only:
                raise Errno(EINVAL)
            self.check_local(addr)
        self.take_port(addr, port)

    def check_local(self, addr: bytes) -> None:
        """inet_addr_valid_or_nonlocal: only the wildcard, lo's addresses, multicast and broadcast (or any
        address with IP_FREEBIND)."""
        if self.ip_options.get((IPPROTO_IP, IP_FREEBIND)):
            return
        if is_mapped(addr):
            v4 = addr[12:]
            if v4 in (INADDR_ANY, INADDR_BROADCAST) or is_local_v4(v4) or is_multicast_v4(v4):
                return
        elif addr in (IN6ADDR_ANY, IN6ADDR_LOOPBACK) or addr[0] == 0xFF:
            return
        raise Errno(EADDRNOTAVAIL)

    def destination(self, addr: bytes) -> bytes:
        """Where a connection or datagram to `addr` goes: the wildcard means this host; ENETUNREACH off lo,
        and for every address while lo is down (its routes went with it: fib_disable_ip, addrconf_ifdown)."""
        if self.family == AF_INET6 and is_mapped(addr) and self.v6only:
            raise Errno(ENETUNREACH)
        if not self.ports.devices.lo_up:
            raise Errno(ENETUNREACH)
        if addr == IN6ADDR_ANY:
            return V4_LOOPBACK if is_mapped(self.local[0]) else IN6ADDR_LOOPBACK
        if addr == V4_ANY:
            return V4_LOOPBACK
        if is_mapped(addr) and (is_local_v4(addr[12:]) or addr[12:] == INADDR_BROADCAST):
            return addr
        if is_mapped(addr) and is_multicast_v4(addr[12:]) and self.type != SOCK_STREAM:
            return addr  # multicast goes out on lo, the machine's one interface
        if addr == IN6ADDR_LOOPBACK:
            return addr
        raise Errno(ENETUNREACH)  # the machine's only interface is lo

    def choose_source(self, dest: bytes) -> None:
        """The local address a connect fixes: the bound one, or the route's source for a wildcard."""
        if is_any(self.local[0]):
            source = route_source(dest)
            if not is_mapped(source) and self.family == AF_INET6 and is_mapped(dest):
                source = V4_LOOPBACK
            self.local = (source, self.local[1])

    # -- the protocol options (SOL_IP and SOL_IPV6; the protocol's own in the subclass) --

    def setsockopt_proto(self, t: Task, level: int, optname: int, optval: int, optlen: int) -> None:
        if level in (IPPROTO_IP, IPPROTO_IPV6):
            self.set_ip_option(t, level, optname, optval, optlen)
            return
        raise Errno(ENOPROTOOPT)

    def getsockopt_proto(self, t: Task, level: int, optname: int, length: int) -> bytes:
        if level == IPPROTO_IP or (level == IPPROTO_IPV6 and self.family == AF_INET6):
            return self.get_ip_option(level, optname, length)
        raise Errno(EOPNOTSUPP if self.family == AF_INET else ENOPROTOOPT)  # do_ip_getsockopt, ipv6_getsockopt

    def set_ip_option(self, t: Task, level: int, optname: int, optval: int, optlen: int) -> None:
        """do_ip_setsockopt and do_ipv6_setsockopt for the options kept: an int (or, for SOL_IP, one byte)."""
        if level == IPPROTO_IPV6 and self.family != AF_INET6:
            raise Errno(ENOPROTOOPT)
        if level == IPPROTO_IP and optname in MEMBERSHIP_OPTIONS:
            set_membership(t, self.groups, optname, optval, optlen)
            return
        if optname not in _IP_OPTIONS.get(level, {}):
            raise Errno(ENOPROTOOPT)
        if optlen >= 4:
            (value,) = _INT.unpack(copy_from_user(t.mm, optval, 4))
        elif level == IPPROTO_IP and optlen >= 1:
            value = copy_from_user(t.mm, optval, 1)[0]
        else:
            raise Errno(EINVAL)
        low, high = _IP_OPTIONS[level][optname][1:]
        if optname in (IP_TTL, IPV6_UNICAST_HOPS, IPV6_MULTICAST_HOPS, IP_MULTICAST_TTL) and value == -1:
            self.ip_options.pop((level, optname), None)  # back to the default
            return
        if not low <= value <= high:
            raise Errno(EINVAL)
        if optname == IPV6_V6ONLY and level == IPPROTO_IPV6:
            if self.bound_port:
                raise Errno(EINVAL)  # only before bind
            self.v6only = bool(value)
            return
        self.ip_options[(level, optname)] = int(bool(value)) if optname in _FLAG_OPTIONS.get(level, ()) else value

    def get_ip_option(self, level: int, optname: int, length: int) -> bytes:
        if level == IPPROTO_IPV6 and self.family != AF_INET6:
            raise Errno(ENOPROTOOPT)
        if level == IPPROTO_IP and optname == IP_MTU:
            if self.remote is None:
                raise Errno(ENOTCONN)
            value = self.ports.devices.lo_mtu
        elif level == IPPROTO_IPV6 and optname == IPV6_V6ONLY:
            value = int(self.v6only)
        elif optname in _IP_OPTIONS.get(level, {}):
            value = self.ip_options.get((level, optname), _IP_OPTIONS[level][optname][0])
        else:
            raise Errno(ENOPROTOOPT)
        if level == IPPROTO_IP and 0 < length < 4 and 0 <= value <= 255:
            return bytes([value])  # ip_getsockopt answers a short buffer with one unsigned char
        return _INT.pack(value)

    # -- life --

    def close(self) -> None:
        if not self.dead:
            self.release_port()
        super().close()


#: The SOL_IP and SOL_IPV6 options kept as a number: (default, least, most).
_IP_OPTIONS: dict[int, dict[int, tuple[int, int, int]]] = {
    IPPROTO_IP: {
        IP_TOS: (0, -(1 << 31), (1 << 31) - 1),
        IP_TTL: (IP_DEFAULT_TTL, 1, 255),
        IP_RECVOPTS: (0, -(1 << 31), (1 << 31) - 1),
        IP_PKTINFO: (0, -(1 << 31), (1 << 31) - 1),
        IP_MTU_DISCOVER: (IP_PMTUDISC_WANT, 0, IP_PMTUDISC_OMIT),
        IP_RECVERR: (0, -(1 << 31), (1 << 31) - 1),
        IP_RECVTTL: (0, -(1 << 31), (1 << 31) - 1),
        IP_RECVTOS: (0, -(1 << 31), (1 << 31) - 1),
        IP_FREEBIND: (0, -(1 << 31), (1 << 31) - 1),
        IP_MULTICAST_TTL: (1, 0, 255),
        IP_MULTICAST_LOOP: (1, -(1 << 31), (1 << 31) - 1),
    },
    IPPROTO_IPV6: {
        IPV6_UNICAST_HOPS: (IP_DEFAULT_TTL, 0, 255),
        IPV6_MULTICAST_HOPS: (1, 0, 255),
        IPV6_MULTICAST_LOOP: (1, 0, 1),
        IPV6_V6ONLY: (0, -(1 << 31), (1 << 31) - 1),
        IPV6_RECVPKTINFO: (0, -(1 << 31), (1 << 31) - 1),
        IPV6_TCLASS: (0, -1, 255),
    },
}
#: The options that are a flag: any value sets them, and they read back as 1.
_FLAG_OPTIONS: dict[int, frozenset[int]] = {
    IPPROTO_IP: frozenset({IP_RECVOPTS, IP_PKTINFO, IP_RECVERR, IP_RECVTTL, IP_RECVTOS, IP_FREEBIND,
                           IP_MULTICAST_LOOP}),
    IPPROTO_IPV6: frozenset({IPV6_RECVPKTINFO}),
}
