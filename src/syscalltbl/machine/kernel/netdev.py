"""The machine's network devices and their ioctls (net/core/dev_ioctl.c, net/ipv4/devinet.c): lo alone.

lo is up, holds 127.0.0.1/8 and ::1, and cannot be reconfigured: the
machine has no other interface, nor any way out.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.uapi.capability import CAP_NET_ADMIN
from syscalltbl.machine.uapi.errno import ENODEV, EOPNOTSUPP, EPERM, Errno
from syscalltbl.machine.uapi.inet import (
    IFF_LOOPBACK,
    IFF_RUNNING,
    IFF_UP,
    IFNAMSIZ,
    IFREQ_SIZE,
    INADDR_LOOPBACK,
    LOOPBACK_MTU,
    SIOCGIFADDR,
    SIOCGIFCONF,
    SIOCGIFFLAGS,
    SIOCGIFINDEX,
    SIOCGIFMTU,
    SIOCGIFNAME,
    SIOCGIFNETMASK,
    SIOCSIFFLAGS,
    SOCKADDR_IN,
)
from syscalltbl.machine.uapi.socket import AF_INET

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

LO_NAME = b"lo"
LO_INDEX = 1
LO_FLAGS = IFF_UP | IFF_LOOPBACK | IFF_RUNNING
LO_NETMASK = b"\xff\0\0\0"
IFCONF = struct.Struct("<i4xQ")  # ifc_len, ifc_buf
#: The ioctls any socket answers for its network namespace's devices.
NETDEV_IOCTLS = frozenset({SIOCGIFCONF, SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFMTU,
                           SIOCGIFADDR, SIOCGIFNETMASK})


def _ifreq(name: bytes, payload: bytes) -> bytes:
    return name.ljust(IFNAMSIZ, b"\0") + payload.ljust(IFREQ_SIZE - IFNAMSIZ, b"\0")


def _sockaddr_in(v4: bytes) -> bytes:
    return SOCKADDR_IN.pack(AF_INET, b"\0\0", v4)


def dev_ioctl(t: Task, request: int, arg: int) -> int:
    """An interface ioctl on a socket: copied in (EFAULT), the device by name (ENODEV), answered in place."""
    if request == SIOCGIFCONF:
        return _ifconf(t, arg)
    raw = copy_from_user(t.mm, arg, IFREQ_SIZE)
    if request == SIOCGIFNAME:
        if int.from_bytes(raw[IFNAMSIZ : IFNAMSIZ + 4], "little", signed=True) != LO_INDEX:
            raise Errno(ENODEV)
        copy_to_user(t.mm, arg, LO_NAME.ljust(IFNAMSIZ, b"\0"))
        return 0
    name = raw[:IFNAMSIZ].split(b"\0")[0]
    if request == SIOCSIFFLAGS and not t.cred.capable(CAP_NET_ADMIN):
        raise Errno(EPERM)
    if name != LO_NAME:
        raise Errno(ENODEV)
    if request == SIOCSIFFLAGS:
        if int.from_bytes(raw[IFNAMSIZ : IFNAMSIZ + 2], "little") != LO_FLAGS:
            raise Errno(EOPNOTSUPP)  # the machine's lo stays as it is: up, and nothing else
        return 0
    answers = {
        SIOCGIFFLAGS: LO_FLAGS.to_bytes(2, "little"),
        SIOCGIFINDEX: LO_INDEX.to_bytes(4, "little"),
        SIOCGIFMTU: LOOPBACK_MTU.to_bytes(4, "little"),
        SIOCGIFADDR: _sockaddr_in(INADDR_LOOPBACK),
        SIOCGIFNETMASK: _sockaddr_in(LO_NETMASK),
    }
    copy_to_user(t.mm, arg + IFNAMSIZ, answers[request])
    return 0


def _ifconf(t: Task, arg: int) -> int:
    """dev_ifconf: lo's IPv4 address as one ifreq, if it fits; ifc_len becomes what was (or would be) written."""
    length, buf = IFCONF.unpack(copy_from_user(t.mm, arg, IFCONF.size))
    total = IFREQ_SIZE
    if buf:
        total = 0
        if length >= IFREQ_SIZE:
            copy_to_user(t.mm, buf, _ifreq(LO_NAME, _sockaddr_in(INADDR_LOOPBACK)))
            total = IFREQ_SIZE
    copy_to_user(t.mm, arg, total.to_bytes(4, "little", signed=True))
    return 0
