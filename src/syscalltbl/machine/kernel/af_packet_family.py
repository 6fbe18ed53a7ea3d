"""packet_create (net/packet/af_packet.c): who may make a packet socket, and of which type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.af_packet import PacketSocket
from syscalltbl.machine.kernel.af_unix import namespace
from syscalltbl.machine.kernel.inet import inet_namespace
from syscalltbl.machine.kernel.userns import owner_of
from syscalltbl.machine.uapi.capability import CAP_NET_RAW
from syscalltbl.machine.uapi.errno import EPERM, ESOCKTNOSUPPORT, Errno
from syscalltbl.machine.uapi.socket import SOCK_DGRAM, SOCK_RAW

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


def packet_create(t: Task, family: int, kind: int, protocol: int) -> PacketSocket:
    """CAP_NET_RAW (EPERM) first, then SOCK_RAW or SOCK_DGRAM (the old SOCK_PACKET interface is not in the
    machine: ESOCKTNOSUPPORT); a nonzero protocol starts it receiving at once."""
    net = inet_namespace(t)
    if not t.cred.ns_capable(owner_of(net), CAP_NET_RAW):
        raise Errno(EPERM)
    if kind not in (SOCK_RAW, SOCK_DGRAM):
        raise Errno(ESOCKTNOSUPPORT)
    return PacketSocket(namespace(t), t, kind, protocol, net.packet, net.devices)
