"""IPv4 packets on lo (net/ipv4/ip_input.c, ip_output.c, icmp.c, raw.c's raw_v4_input): made, checked, handed on.

A packet a raw socket sends, or a packet socket sends as an ETH_P_IP frame,
goes round lo as a frame the packet sockets see (kernel/af_packet.py) and
comes back in here: its header checked (ip_rcv_core: a bad version, length
or checksum drops it), then, addressed to this host, given to every raw
socket of its protocol (raw_v4_input) and to the protocol: ICMP answers an
echo request with an echo reply (icmp_echo, unless
net.ipv4.icmp_echo_ignore_all), UDP gives the datagram to the socket of its
port (or answers ICMP port unreachable), and a protocol no one takes is
answered with ICMP protocol unreachable. The machine's TCP moves no
packets (kernel/tcp.py): a TCP packet made by hand is dropped.
"""

from __future__ import annotations

import struct
import weakref
from collections.abc import Callable
from typing import Protocol

from syscalltbl.machine.uapi.inet import IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP

IPV4_HEADER = struct.Struct("!BBHHHBBH4s4s")  # ver/ihl, tos, tot_len, id, frag_off, ttl, protocol, check, saddr, daddr
ETH_P_IP = b"\x08\x00"
IP_DF = 0x4000
ICMP_ECHOREPLY = 0
ICMP_DEST_UNREACH = 3
ICMP_PROT_UNREACH = 2
ICMP_PORT_UNREACH = 3
ICMP_QUOTE_MAX = 576 - 20 - 8  # icmp_send: an answer is at most 576 bytes, its IP and ICMP headers included
ICMP_ECHO = 8
IPDEFTTL = 64
#: How deep one packet's answers may chain (an answer answered ...): Linux's never loop, as ICMP errors are
#: not answered; this bounds it all the same.
MAX_DEPTH = 4


def checksum(data: bytes) -> int:
    """The Internet checksum (ip_fast_csum, csum_fold): the ones' complement of the ones' complement sum."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class RawReceiver(Protocol):
    """What raw_v4_input asks of a raw socket (kernel/raw.py's)."""

    dead: bool
    ino: int

    def matches(self, protocol: int, saddr: bytes, daddr: bytes) -> bool: ...

    def rcv(self, packet: bytes) -> None: ...


class Ipv4:
    """A namespace's IPv4: its raw sockets (raw_v4_htable) and the counter its packet ids come from."""

    def __init__(self) -> None:
        self.raw: weakref.WeakSet[RawReceiver] = weakref.WeakSet()
        #: udp_rcv (kernel/udp.py): (saddr, daddr, the UDP segment) -> whether a socket held its port; wired
        #: when the namespace's first UDP socket is made (none before: no port is held).
        self.udp_input: Callable[[bytes, bytes, bytes], bool] = lambda _s, _d, _segment: False
        self.next_id = 1
        self.echo_ignore_all = False  # net.ipv4.icmp_echo_ignore_all

    def raw_deliver(self, packet: bytes) -> bool:
        """raw_v4_input: a copy to each raw socket of the packet's protocol whose addresses match; whether any."""
        protocol, saddr, daddr = packet[9], packet[12:16], packet[16:20]
        taken = False
        for sock in sorted(self.raw, key=lambda s: s.ino):
            if not sock.dead and sock.matches(protocol, saddr, daddr):
                taken = True
                sock.rcv(packet)
        return taken

    def ident(self) -> int:
        ident = self.next_id
        self.next_id = (self.next_id + 1) & 0xFFFF
        return ident

    def build(self, protocol: int, saddr: bytes, daddr: bytes, payload: bytes, tos: int = 0, ttl: int = IPDEFTTL,
              df: bool = True) -> bytes:
        """ip_build_and_send_pkt / __ip_make_skb: a 20-byte header before the payload, its checksum set."""
        header = IPV4_HEADER.pack(0x45, tos, 20 + len(payload), self.ident(), IP_DF if df else 0, ttl, protocol, 0,
                                  saddr, daddr)
        header = header[:10] + checksum(header).to_bytes(2, "big") + header[12:]
        return header + payload


def frame_of(packet: bytes) -> bytes:
    """The Ethernet frame lo carries it in: both addresses lo's (zero), ETH_P_IP."""
    return bytes(12) + ETH_P_IP + packet


def ip_rcv(ip: Ipv4, packet: bytes, xmit: Callable[[bytes], None], depth: int = 0) -> None:
    """ip_rcv_core's checks, then local delivery (every address lo holds is 127/8)."""
    if len(packet) < 20:
        return
    ver_ihl, _tos, tot_len, _ident, frag, _ttl, protocol, _check, saddr, daddr = IPV4_HEADER.unpack_from(packet)
    ihl = (ver_ihl & 0xF) * 4
    if ver_ihl >> 4 != 4 or ihl < 20 or len(packet) < ihl or checksum(packet[:ihl]):
        return
    if tot_len > len(packet) or tot_len < ihl:
        return
    packet = packet[:tot_len]
    if frag & 0x3FFF:
        return  # a fragment: the machine makes none, and reassembles none made by hand
    if daddr[0] != 127:
        return  # not this host's, and forwarding is off
    taken = ip.raw_deliver(packet)
    payload = packet[ihl:]
    if protocol == IPPROTO_ICMP:
        icmp_rcv(ip, saddr, daddr, payload, xmit, depth)
    elif protocol == IPPROTO_TCP:
        return  # see the module's docstring
    elif protocol == IPPROTO_UDP:
        if not ip.udp_input(saddr, daddr, payload) and depth < MAX_DEPTH:
            unreachable(ip, packet, ICMP_PORT_UNREACH, xmit)
    elif not taken and depth < MAX_DEPTH:
        unreachable(ip, packet, ICMP_PROT_UNREACH, xmit)


def unreachable(ip: Ipv4, packet: bytes, code: int, xmit: Callable[[bytes], None]) -> None:
    """icmp_send of ICMP_DEST_UNREACH, quoting as much of what came as a 576-byte answer holds."""
    saddr, daddr = packet[12:16], packet[16:20]
    message = struct.pack("!BBHI", ICMP_DEST_UNREACH, code, 0, 0) + packet[:ICMP_QUOTE_MAX]
    message = message[:2] + checksum(message).to_bytes(2, "big") + message[4:]
    xmit(ip.build(IPPROTO_ICMP, daddr, saddr, message, tos=0xC0))


def icmp_rcv(ip: Ipv4, saddr: bytes, daddr: bytes, message: bytes, xmit: Callable[[bytes], None],
             depth: int) -> None:
    """icmp_rcv: a bad checksum drops it; an echo request is answered (icmp_echo), the rest only seen."""
    if len(message) < 8 or checksum(message):
        return
    if message[0] != ICMP_ECHO or ip.echo_ignore_all or depth >= MAX_DEPTH:
        return
    reply = bytes([ICMP_ECHOREPLY, message[1]]) + b"\0\0" + message[4:]
    reply = reply[:2] + checksum(reply).to_bytes(2, "big") + reply[4:]
    xmit(ip.build(IPPROTO_ICMP, daddr, saddr, reply))


