"""A network namespace's netlink sockets by protocol and port id (net/netlink/af_netlink.c's nl_table).

Only the table: the sockets themselves are kernel/netlink.py's. A namespace
owns one table (kernel/inet.py's InetNamespace), so a port id is unique
within a namespace, as Linux's netlink_lookup keys on (net, protocol, portid).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

    from syscalltbl.machine.kernel.netlink import NetlinkSocket

AUTOBIND_FLOOR = -4096  # netlink_autobind's made-up port ids are below this (negative as s32)


class NetlinkTable:
    """Bound netlink sockets: (protocol, portid) -> socket, and the members of each protocol's groups."""

    def __init__(self) -> None:
        self.bound: dict[tuple[int, int], NetlinkSocket] = {}
        self._guesses: random.Random | None = None  # made at the first clash: see autobind_portid
        #: Sockets in at least one multicast group (nl_table's mc_list), bound or not.
        self.listeners: weakref.WeakSet[NetlinkSocket] = weakref.WeakSet()

    def lookup(self, protocol: int, portid: int) -> NetlinkSocket | None:
        return self.bound.get((protocol, portid))

    def insert(self, sock: NetlinkSocket, portid: int) -> bool:
        """netlink_insert: False when another socket of the protocol holds the port id."""
        key = (sock.protocol, portid)
        if key in self.bound:
            return False
        self.bound[key] = sock
        return True

    def remove(self, sock: NetlinkSocket, portid: int) -> None:
        key = (sock.protocol, portid)
        if self.bound.get(key) is sock:
            del self.bound[key]

    def autobind_portid(self, sock: NetlinkSocket, tgid: int) -> int:
        """netlink_autobind: the process id first, then random negative ids below -4096 until one is free."""
        if self.insert(sock, tgid):
            return tgid
        if self._guesses is None:
            # Autobind's guesses, the same for the same run; the random module only when a guess is needed
            # (every network namespace has a table, the boot's one included: 1 ms of each start).
            import random

            self._guesses = random.Random(0x6E6C)
        while True:
            portid = (AUTOBIND_FLOOR - self._guesses.randrange(0x7FFFFFFF + AUTOBIND_FLOOR)) & 0xFFFFFFFF
            if self.insert(sock, portid):
                return portid

    def members(self, protocol: int, group: int) -> list[NetlinkSocket]:
        """The sockets of `protocol` in multicast group `group` (1-based), for a broadcast."""
        return [sock for sock in list(self.listeners)
                if sock.protocol == protocol and group in sock.groups and not sock.dead]
