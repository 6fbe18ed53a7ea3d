"""IPv4 multicast group membership (net/ipv4/igmp.c): the groups a socket joined, on the machine's lo.

lo is the interface for multicast in the machine (there is no other), so
a group joined on interface 0 (the route's) or on lo's index is joined on
lo; a datagram sent to a group reaches the sockets of the machine that
joined it, when the sender lets its own multicast loop back
(IP_MULTICAST_LOOP, on by default).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.uapi.errno import EADDRINUSE, EADDRNOTAVAIL, EINVAL, ENOBUFS, ENODEV, Errno
from syscalltbl.machine.uapi.inet import (
    GROUP_REQ_SIZE,
    IGMP_MAX_MEMBERSHIPS,
    INADDR_ANY,
    INADDR_LOOPBACK,
    IP_ADD_MEMBERSHIP,
    IP_DROP_MEMBERSHIP,
    MCAST_JOIN_GROUP,
    MCAST_LEAVE_GROUP,
)
from syscalltbl.machine.uapi.socket import AF_INET

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

MEMBERSHIP_OPTIONS = frozenset({IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, MCAST_JOIN_GROUP, MCAST_LEAVE_GROUP})
LO_INDEX = 1
IP_MREQ = struct.Struct("<4s4s")  # imr_multiaddr, imr_interface
IP_MREQN = struct.Struct("<4s4si")  # and imr_ifindex


def is_multicast(v4: bytes) -> bool:
    return v4[0] >> 4 == 14


def _group_and_interface(t: Task, optname: int, optval: int, optlen: int) -> bytes:
    """The group an option names, after checking its interface is lo (ENODEV otherwise)."""
    if optname in (MCAST_JOIN_GROUP, MCAST_LEAVE_GROUP):
        if optlen < GROUP_REQ_SIZE:
            raise Errno(EINVAL)
        raw = copy_from_user(t.mm, optval, GROUP_REQ_SIZE)
        if int.from_bytes(raw[8:10], "little") != AF_INET:
            raise Errno(EINVAL)
        index, group = int.from_bytes(raw[:4], "little"), raw[12:16]
        address = INADDR_ANY
    else:
        if optlen < IP_MREQ.size:
            raise Errno(EINVAL)
        if optlen >= IP_MREQN.size:
            group, address, index = IP_MREQN.unpack(copy_from_user(t.mm, optval, IP_MREQN.size))
        else:
            group, address = IP_MREQ.unpack(copy_from_user(t.mm, optval, IP_MREQ.size))
            index = 0
    if not is_multicast(group) and optname in (IP_ADD_MEMBERSHIP, MCAST_JOIN_GROUP):
        raise Errno(EINVAL)  # ip_mc_join_group
    if index not in (0, LO_INDEX) or (address != INADDR_ANY and address[0] != INADDR_LOOPBACK[0]):
        raise Errno(ENODEV)  # ip_mc_find_dev: no such interface in the machine
    return group


def set_membership(t: Task, groups: set[bytes], optname: int, optval: int, optlen: int) -> None:
    """Join (EADDRINUSE if joined, ENOBUFS past igmp_max_memberships) or leave (EADDRNOTAVAIL if not) a group."""
    group = _group_and_interface(t, optname, optval, optlen)
    if optname in (IP_ADD_MEMBERSHIP, MCAST_JOIN_GROUP):
        if group in groups:
            raise Errno(EADDRINUSE)
        if len(groups) >= IGMP_MAX_MEMBERSHIPS:
            raise Errno(ENOBUFS)
        groups.add(group)
        return
    if group not in groups:
        raise Errno(EADDRNOTAVAIL)
    groups.discard(group)
