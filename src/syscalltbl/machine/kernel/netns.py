"""struct net (net/core/net_namespace.c): a network namespace, whose parts are made at its first use.

A run that never touches the network (most do not) should not import the
sockets' modules, nor make the first namespace's devices, tables and ports,
at boot. What a namespace shows from outside is drawn when it is made, as
before: its nsfs inode number, the RAM it is charged, its owner. Its parts
(kernel/inet.py's inet_parts) are made when one is first read; for the first
namespace they depend on nothing that can change before then (lo up, the
default devconf), and a new namespace (copy_net_ns) makes them at once,
since it copies the first one's devconf as it is at that moment.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.nscommon import Namespace
from syscalltbl.machine.uapi.errno import ENOMEM, Errno
from syscalltbl.machine.uapi.sched import CLONE_NEWNET

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.af_packet import PacketTaps
    from syscalltbl.machine.kernel.af_unix import UnixSocket
    from syscalltbl.machine.kernel.inet import PortTable
    from syscalltbl.machine.kernel.ipv4_input import Ipv4
    from syscalltbl.machine.kernel.netdev import NetDevices
    from syscalltbl.machine.kernel.netlink_table import NetlinkTable
    from syscalltbl.machine.kernel.userns import UserNamespace

#: What a network namespace's own objects cost the host, charged to RAM as kernel memory.
NET_NAMESPACE_BYTES: Final = 4096

#: The attributes kernel/inet.py's inet_parts sets: reading any of them first makes them all.
_PARTS: Final = frozenset(("devices", "unix_abstract", "netlink", "packet", "ipv4", "tcp", "udp", "udplite"))


class InetNamespace(Namespace):
    """struct net: TCP's, UDP's and UDP-Lite's ports, the devices, the netlink sockets' table
    (kernel/netlink_table.py), the packet sockets (kernel/af_packet.py) and the Unix sockets' abstract
    names (net/unix: each namespace has its own).

    The first one's lo is up, as a booted machine's; a new one (copy_net_ns) has only lo, down, its IPv4
    "all" and "default" devconf copied from the first namespace's (devconf_inherit_init_net's default).
    What it costs the host is charged to RAM while it lives (ENOMEM past it), and given back when its last
    user (a task, a socket made in it, an open nsfs file) lets it go.
    """

    kind = CLONE_NEWNET
    proc_name = b"net"

    devices: NetDevices
    unix_abstract: dict[bytes, UnixSocket]  # the abstract names bound in this namespace
    netlink: NetlinkTable
    packet: PacketTaps
    ipv4: Ipv4
    tcp: PortTable
    udp: PortTable
    udplite: PortTable  # UDP-Lite has ports of its own

    def __init__(self, ram: PhysicalMemory | None = None, ino: int | None = None,
                 user_ns: UserNamespace | None = None, parent: InetNamespace | None = None) -> None:
        if ram is not None:
            if not ram.slab_fits(NET_NAMESPACE_BYTES):
                raise Errno(ENOMEM)
            ram.slab_charge(NET_NAMESPACE_BYTES)
            weakref.finalize(self, ram.slab_charge, -NET_NAMESPACE_BYTES).atexit = False
        super().__init__(ino, user_ns)
        self.ram = ram
        self.init: InetNamespace = self if parent is None else parent.init  # init_net, what new ones copy
        if parent is not None:
            self._make_parts()

    def __getattr__(self, name: str) -> object:
        """Only for an attribute the instance does not have: a part, the first time one is read."""
        if name not in _PARTS or "init" not in self.__dict__:
            raise AttributeError(name)
        self._make_parts()
        return self.__dict__[name]

    def _make_parts(self) -> None:
        from syscalltbl.machine.kernel.inet import inet_parts

        inet_parts(self)

    def fresh(self, owner: UserNamespace) -> InetNamespace:
        """copy_net_ns: a new namespace owned by `owner` (ENOMEM when RAM cannot hold it)."""
        return InetNamespace(self.ram, None, owner, self)

    def ip_output(self, packet: bytes) -> None:
        from syscalltbl.machine.kernel.inet import lo_output

        lo_output(self.packet, self.devices, packet)
