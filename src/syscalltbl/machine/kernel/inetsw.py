"""inet_create and inet6_create: which protocol a (type, protocol) pair makes (the inetsw table)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.af_unix import namespace
from syscalltbl.machine.kernel.inet import InetSocket, inet_namespace
from syscalltbl.machine.kernel.raw import RawSocket
from syscalltbl.machine.kernel.tcp import TcpSocket
from syscalltbl.machine.kernel.udp import UdpSocket, udp_packet_rcv
from syscalltbl.machine.kernel.userns import owner_of
from syscalltbl.machine.uapi.capability import CAP_NET_RAW
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, EPROTONOSUPPORT, ESOCKTNOSUPPORT, Errno
from syscalltbl.machine.uapi.inet import IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE
from syscalltbl.machine.uapi.socket import AF_INET6, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

IPPROTO_MAX = 263


def inet_create(t: Task, family: int, kind: int, protocol: int) -> InetSocket:
    """A TCP socket for SOCK_STREAM (protocol 0 or IPPROTO_TCP), a UDP one for SOCK_DGRAM (0 or IPPROTO_UDP),
    a UDP-Lite one for SOCK_DGRAM and IPPROTO_UDPLITE.

    SOCK_RAW makes an IPv4 raw socket of any protocol but 0 (kernel/raw.py), for CAP_NET_RAW; raw IPv6
    sockets and ICMP ping sockets are not in the machine: their (type, protocol) is EPROTONOSUPPORT, as for a
    kernel without them.
    """
    if protocol < 0 or protocol >= IPPROTO_MAX:
        raise Errno(EINVAL)
    inet = inet_namespace(t)
    if kind == SOCK_STREAM:
        if protocol not in (0, IPPROTO_TCP):
            raise Errno(EPROTONOSUPPORT)
        return TcpSocket(namespace(t), t, family, inet.tcp)
    if kind == SOCK_DGRAM:
        if protocol == IPPROTO_UDPLITE:
            return UdpSocket(namespace(t), t, family, inet.udplite, IPPROTO_UDPLITE)
        if protocol not in (0, IPPROTO_UDP):
            raise Errno(EPROTONOSUPPORT)
        ports = inet.udp
        inet.ipv4.udp_input = lambda saddr, daddr, segment: udp_packet_rcv(ports, saddr, daddr, segment)
        return UdpSocket(namespace(t), t, family, ports)
    if kind == SOCK_RAW:
        if protocol == 0 or family == AF_INET6:
            raise Errno(EPROTONOSUPPORT)  # no wildcard protocol; no raw IPv6 in the machine
        if not t.cred.ns_capable(owner_of(inet), CAP_NET_RAW):
            raise Errno(EPERM)
        return RawSocket(namespace(t), t, protocol, inet)
    raise Errno(ESOCKTNOSUPPORT)
