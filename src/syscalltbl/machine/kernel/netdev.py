"""The machine's network devices and their ioctls (net/core/dev_ioctl.c, net/ipv4/devinet.c): lo alone.

lo holds 127.0.0.1/8 and ::1, and may be brought down and up (SIOCSIFFLAGS,
or rtnetlink's RTM_NEWLINK: kernel/rtnetlink.py) and given another MTU
(SIOCSIFMTU, IFLA_MTU); its other flags stay. The MTU is what IP_MTU and
the link report: no packet is made on the machine, so none is fragmented by it. The
machine has no other interface, nor any way out. `NetDevices` is all a
network namespace's device state: lo's, and the IPv4 devconf tunables of
/proc/sys/net/ipv4/conf (kernel/procsys_net.py).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.userns import UserNamespace, owner_of
from syscalltbl.machine.uapi.capability import CAP_NET_ADMIN
from syscalltbl.machine.uapi.errno import EADDRNOTAVAIL, EINVAL, ENODEV, EPERM, Errno
from syscalltbl.machine.uapi.inet import (
    IFF_ALLMULTI,
    IFF_AUTOMEDIA,
    IFF_DEBUG,
    IFF_DYNAMIC,
    IFF_LOOPBACK,
    IFF_MULTICAST,
    IFF_NOARP,
    IFF_NOTRAILERS,
    IFF_PORTSEL,
    IFF_PROMISC,
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
    SIOCSIFMTU,
    SOCKADDR_IN,
)
from syscalltbl.machine.uapi.netlink import IFF_LOWER_UP
from syscalltbl.machine.uapi.socket import AF_INET
from syscalltbl.store.record import Record

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

LO_NAME = b"lo"
LO_INDEX = 1
LO_NETMASK = b"\xff\0\0\0"
IFCONF = struct.Struct("<i4xQ")  # ifc_len, ifc_buf
#: The ioctls any socket answers for its network namespace's devices.
NETDEV_IOCTLS = frozenset({SIOCGIFCONF, SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFMTU,
                           SIOCSIFMTU, SIOCGIFADDR, SIOCGIFNETMASK})
#: __dev_change_flags: the flags a caller sets as it asks; IFF_UP opens or closes the device, IFF_PROMISC and
#: IFF_ALLMULTI are the caller's own (gflags), and the rest (IFF_LOOPBACK, the state bits) stay the device's.
PLAIN_FLAGS = IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC | IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA
USER_FLAGS = IFF_PROMISC | IFF_ALLMULTI

#: The IPv4 devconf tunables (net/ipv4/devinet.c's devinet_vars), in IPV4_DEVCONF_* order, with the
#: defaults of ipv4_devconf ("all") and ipv4_devconf_dflt ("default", and every device made after).
IPV4_DEVCONF: tuple[tuple[bytes, int, int], ...] = (  # name, all's, default's
    (b"forwarding", 0, 0), (b"mc_forwarding", 0, 0), (b"proxy_arp", 0, 0), (b"accept_redirects", 1, 1),
    (b"secure_redirects", 1, 1), (b"send_redirects", 1, 1), (b"shared_media", 1, 1), (b"rp_filter", 0, 0),
    (b"accept_source_route", 0, 1), (b"bootp_relay", 0, 0), (b"log_martians", 0, 0), (b"tag", 0, 0),
    (b"arp_filter", 0, 0), (b"medium_id", 0, 0), (b"disable_xfrm", 0, 0), (b"disable_policy", 0, 0),
    (b"force_igmp_version", 0, 0), (b"arp_announce", 0, 0), (b"arp_ignore", 0, 0),
    (b"promote_secondaries", 0, 0), (b"arp_accept", 0, 0), (b"arp_notify", 0, 0), (b"accept_local", 0, 0),
    (b"src_valid_mark", 0, 0), (b"proxy_arp_pvlan", 0, 0), (b"route_localnet", 0, 0),
    (b"igmpv2_unsolicited_report_interval", 10000, 10000), (b"igmpv3_unsolicited_report_interval", 1000, 1000),
    (b"ignore_routes_with_linkdown", 0, 0), (b"drop_unicast_in_l2_multicast", 0, 0),
    (b"drop_gratuitous_arp", 0, 0), (b"bc_forwarding", 0, 0), (b"arp_evict_nocarrier", 1, 1),
)
#: What loopback_setup's device turns on for itself: no IPsec on lo (IN_DEV_CONF_SET NOXFRM, NOPOLICY).
LO_DEVCONF = {b"disable_xfrm": 1, b"disable_policy": 1}


class Link(Record):
    """A device beside lo (a TUN/TAP interface: kernel/tun.py): its name, index, flags, MTU and type."""

    name: bytes
    index: int
    hatype: int  # ARPHRD_NONE for TUN, ARPHRD_ETHER for TAP
    flags: int
    mtu: int

    _fields = ("name", "index", "hatype", "flags", "mtu")

    def __init__(self, name: bytes, index: int, hatype: int, flags: int, mtu: int = 1500) -> None:
        self.name = name
        self.index = index
        self.hatype = hatype
        self.flags = flags
        self.mtu = mtu

    @property
    def up(self) -> bool:
        return bool(self.flags & IFF_UP)

    def reported_flags(self) -> int:
        """dev_get_flags: up, a TUN/TAP link with a file attached is running with its carrier on."""
        return self.flags | (IFF_RUNNING | IFF_LOWER_UP if self.up else 0)

    def change_flags(self, flags: int) -> None:
        """__dev_change_flags, as lo's."""
        changeable = PLAIN_FLAGS | IFF_UP | USER_FLAGS
        self.flags = (flags & changeable) | (self.flags & ~changeable)

    def set_mtu(self, mtu: int) -> None:
        """dev_set_mtu within tun's min_mtu and max_mtu."""
        if not 68 <= mtu <= 65535:
            raise Errno(EINVAL)
        self.mtu = mtu


class DevConf:
    """One device's (or "all"'s, "default"'s) IPv4 devconf: the values, and which were written (cnf.state)."""

    def __init__(self, values: dict[bytes, int]) -> None:
        self.values = values
        self.written: set[bytes] = set()


class NetDevices:
    """A network namespace's devices: lo's flags and the IPv4 devconf of all, default and lo.

    Everything a namespace owns of its devices is here, so that a new
    namespace is a new NetDevices (its lo up or down by itself).
    """

    def __init__(self, lo_up: bool = True, user_ns: UserNamespace | None = None) -> None:
        """`lo_up`: the first namespace's lo is up as after boot; a new namespace's is down until brought up.
        `user_ns`: the user namespace owning the network namespace (net->user_ns; None for the first's), over
        which CAP_NET_ADMIN changes the devices."""
        self.user_ns = user_ns
        #: lo holds 127.0.0.1/8: from when it is first up (inetdev_event's NETDEV_UP), kept when it goes down.
        self.lo_v4 = lo_up
        self.lo_flags = IFF_LOOPBACK | (IFF_UP if lo_up else 0)  # dev->flags, with gflags' IFF_PROMISC and IFF_ALLMULTI
        self.lo_mtu = LOOPBACK_MTU
        self.ipv4_conf: dict[bytes, DevConf] = {
            b"all": DevConf({name: value for name, value, _ in IPV4_DEVCONF}),
            b"default": DevConf({name: value for name, _, value in IPV4_DEVCONF}),
        }
        self.ipv4_conf[LO_NAME] = DevConf({**self.ipv4_conf[b"default"].values, **LO_DEVCONF})
        self.ipv4_conf[LO_NAME].written.update(LO_DEVCONF)
        #: Told when lo's flags change (rtnetlink's RTM_NEWLINK notice to RTNLGRP_LINK).
        self.link_watchers: list[Callable[[], None]] = []
        #: The other devices, by index (TUN/TAP: kernel/tun.py), and the index the next one gets.
        self.links: dict[int, Link] = {}
        self.next_index = LO_INDEX + 1

    def inherit_conf(self, init: NetDevices) -> None:
        """devinet_init_net: a new namespace's "all" and "default" start as the first namespace's are now,
        and its lo's devconf from that default (with what loopback_setup sets)."""
        for which in (b"all", b"default"):
            self.ipv4_conf[which] = DevConf(dict(init.ipv4_conf[which].values))
        self.ipv4_conf[LO_NAME] = DevConf({**self.ipv4_conf[b"default"].values, **LO_DEVCONF})
        self.ipv4_conf[LO_NAME].written.update(LO_DEVCONF)

    def link_named(self, name: bytes) -> Link | None:
        return next((link for link in self.links.values() if link.name == name), None)

    def add_link(self, link: Link) -> None:
        """register_netdevice: the device, and its IPv4 devconf made from default's (inetdev_init)."""
        self.links[link.index] = link
        self.ipv4_conf[link.name] = DevConf(dict(self.ipv4_conf[b"default"].values))

    def remove_link(self, link: Link) -> None:
        self.links.pop(link.index, None)
        self.ipv4_conf.pop(link.name, None)

    @property
    def lo_up(self) -> bool:
        return bool(self.lo_flags & IFF_UP)

    def lo_reported_flags(self) -> int:
        """dev_get_flags: a running lo is also IFF_RUNNING and IFF_LOWER_UP (its carrier is always on)."""
        return self.lo_flags | (IFF_RUNNING | IFF_LOWER_UP if self.lo_up else 0)

    def change_lo_flags(self, flags: int) -> None:
        """__dev_change_flags for lo: the plain flags as asked, IFF_UP, IFF_PROMISC and IFF_ALLMULTI toggled."""
        old = self.lo_flags
        self.lo_flags = (flags & (PLAIN_FLAGS | IFF_UP | USER_FLAGS)) | (old & ~(PLAIN_FLAGS | IFF_UP | USER_FLAGS))
        self.lo_v4 = self.lo_v4 or self.lo_up
        if self.lo_flags != old:
            for watcher in list(self.link_watchers):
                watcher()

    def set_lo_mtu(self, mtu: int) -> None:
        """dev_set_mtu for lo: any MTU from 0 (its min_mtu) up, as it has no max_mtu; EINVAL below 0."""
        if mtu < 0:
            raise Errno(EINVAL)
        if mtu != self.lo_mtu:
            self.lo_mtu = mtu
            for watcher in list(self.link_watchers):
                watcher()

    def set_devconf(self, device: bytes, name: bytes, value: int) -> None:
        """devinet_conf_proc: the value, marked written; one written to default goes to each device that
        never had its own written (devinet_copy_dflt_conf)."""
        conf = self.ipv4_conf[device]
        conf.values[name] = value
        conf.written.add(name)
        if device == b"default":
            for other_name, other in self.ipv4_conf.items():
                if other_name not in (b"all", b"default") and name not in other.written:
                    other.values[name] = value


def net_devices(t: Task) -> NetDevices:
    """The devices of the task's network namespace."""
    devices: NetDevices = t.nsproxy.net.devices
    return devices


def _ifreq(name: bytes, payload: bytes) -> bytes:
    return name.ljust(IFNAMSIZ, b"\0") + payload.ljust(IFREQ_SIZE - IFNAMSIZ, b"\0")


def _sockaddr_in(v4: bytes) -> bytes:
    return SOCKADDR_IN.pack(AF_INET, b"\0\0", v4)


def dev_ioctl(t: Task, request: int, arg: int, devices: NetDevices) -> int:
    """An interface ioctl on a socket: copied in (EFAULT), the device by name (ENODEV), answered in place.
    `devices` are those of the socket's network namespace (not the caller's: sock_ioctl passes sock_net)."""
    if request == SIOCGIFCONF:
        return _ifconf(t, arg, devices)
    raw = copy_from_user(t.mm, arg, IFREQ_SIZE)
    if request == SIOCGIFNAME:
        index = int.from_bytes(raw[IFNAMSIZ : IFNAMSIZ + 4], "little", signed=True)
        link = devices.links.get(index)
        if index != LO_INDEX and link is None:
            raise Errno(ENODEV)
        copy_to_user(t.mm, arg, (link.name if link is not None else LO_NAME).ljust(IFNAMSIZ, b"\0"))
        return 0
    name = raw[:IFNAMSIZ].split(b"\0")[0]
    if request in (SIOCSIFFLAGS, SIOCSIFMTU) and not t.cred.ns_capable(owner_of(devices), CAP_NET_ADMIN):
        raise Errno(EPERM)
    if name != LO_NAME:
        link = devices.link_named(name)
        if link is None:
            raise Errno(ENODEV)
        return _link_ioctl(t, link, request, raw, arg)
    if request == SIOCSIFFLAGS:
        devices.change_lo_flags(int.from_bytes(raw[IFNAMSIZ : IFNAMSIZ + 2], "little"))
        return 0
    if request == SIOCSIFMTU:
        devices.set_lo_mtu(int.from_bytes(raw[IFNAMSIZ : IFNAMSIZ + 4], "little", signed=True))
        return 0
    if request in (SIOCGIFADDR, SIOCGIFNETMASK) and not devices.lo_v4:
        raise Errno(EADDRNOTAVAIL)  # devinet_ioctl: no address on lo yet
    answers = {
        SIOCGIFFLAGS: (devices.lo_reported_flags() & 0xFFFF).to_bytes(2, "little"),
        SIOCGIFINDEX: LO_INDEX.to_bytes(4, "little"),
        SIOCGIFMTU: devices.lo_mtu.to_bytes(4, "little"),
        SIOCGIFADDR: _sockaddr_in(INADDR_LOOPBACK),
        SIOCGIFNETMASK: _sockaddr_in(LO_NETMASK),
    }
    copy_to_user(t.mm, arg + IFNAMSIZ, answers[request])
    return 0


def _link_ioctl(t: Task, link: Link, request: int, raw: bytes, arg: int) -> int:
    """The same requests of a TUN/TAP link: it holds no IPv4 address (EADDRNOTAVAIL, as devinet_ioctl)."""
    if request == SIOCSIFFLAGS:
        link.change_flags(int.from_bytes(raw[IFNAMSIZ : IFNAMSIZ + 2], "little"))
        return 0
    if request == SIOCSIFMTU:
        link.set_mtu(int.from_bytes(raw[IFNAMSIZ : IFNAMSIZ + 4], "little", signed=True))
        return 0
    if request in (SIOCGIFADDR, SIOCGIFNETMASK):
        raise Errno(EADDRNOTAVAIL)
    answers = {
        SIOCGIFFLAGS: (link.reported_flags() & 0xFFFF).to_bytes(2, "little"),
        SIOCGIFINDEX: link.index.to_bytes(4, "little"),
        SIOCGIFMTU: link.mtu.to_bytes(4, "little"),
    }
    copy_to_user(t.mm, arg + IFNAMSIZ, answers[request])
    return 0


def _ifconf(t: Task, arg: int, devices: NetDevices) -> int:
    """dev_ifconf: lo's IPv4 address as one ifreq, if it has one and it fits; ifc_len becomes what was (or
    would be) written."""
    length, buf = IFCONF.unpack(copy_from_user(t.mm, arg, IFCONF.size))
    total = IFREQ_SIZE if devices.lo_v4 else 0
    if buf and devices.lo_v4:
        total = 0
        if length >= IFREQ_SIZE:
            copy_to_user(t.mm, buf, _ifreq(LO_NAME, _sockaddr_in(INADDR_LOOPBACK)))
            total = IFREQ_SIZE
    copy_to_user(t.mm, arg, total.to_bytes(4, "little", signed=True))
    return 0
