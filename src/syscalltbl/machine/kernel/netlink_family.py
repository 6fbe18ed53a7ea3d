"""netlink_create (net/netlink/af_netlink.c): which protocols a netlink socket may speak on the machine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.af_unix import namespace
from syscalltbl.machine.kernel.netlink import NetlinkSocket
from syscalltbl.machine.kernel.rtnetlink import rtnetlink_create
from syscalltbl.machine.uapi.errno import EPROTONOSUPPORT, ESOCKTNOSUPPORT, Errno
from syscalltbl.machine.uapi.netlink import MAX_LINKS, NETLINK_ROUTE
from syscalltbl.machine.uapi.socket import SOCK_DGRAM, SOCK_RAW

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


def netlink_create(t: Task, family: int, kind: int, protocol: int) -> NetlinkSocket:
    """SOCK_RAW or SOCK_DGRAM (else ESOCKTNOSUPPORT); NETLINK_ROUTE is the one protocol the machine's kernel
    registers, every other EPROTONOSUPPORT as for a kernel without it."""
    if kind not in (SOCK_RAW, SOCK_DGRAM):
        raise Errno(ESOCKTNOSUPPORT)
    if protocol < 0 or protocol >= MAX_LINKS or protocol != NETLINK_ROUTE:
        raise Errno(EPROTONOSUPPORT)
    return rtnetlink_create(namespace(t), t, kind)
