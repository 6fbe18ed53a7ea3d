"""Raw IPv4 sockets on the machine's lo (issue 17): ICMP echo and reply, IP_HDRINCL, protocol unreachable.

data/raw_sockets.c sends an ICMP echo request to 127.0.0.1 on a raw ICMP
socket and sees its own request and the kernel's reply, each whole with a
good checksum; sends its own header with IP_HDRINCL (the kernel fills in
the length, id, source and checksum); sends a protocol nobody takes on an
IPPROTO_RAW socket and gets ICMP protocol unreachable quoting it; sends a
UDP datagram made by hand to a UDP socket, then to a port nobody holds
(ICMP port unreachable); and
meets EPROTONOSUPPORT, EADDRNOTAVAIL, EDESTADDRREQ and EINVAL. Natively it
runs as root; output must be the same.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "protocol 0: EPROTONOSUPPORT",
    "send unconnected: EDESTADDRREQ",
    "own request seen: 36 bytes, ttl 64, protocol 1, from 127.0.0.1, csum ok 1",
    "reply: 36 bytes, seq 7, payload payload!, csum ok 1",
    "hdrincl got: 23 bytes, tot_len 23, ttl 9, id set 1, saddr 127.0.0.1, csum ok 1, data abc",
    "unreachable: 56 bytes, code 2, quotes protocol 252",
    "udp socket got 7: udpdata from port 12345",
    "port unreachable: 63 bytes, code 3",
    "done",
)


def test_raw_sockets_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "raw_sockets.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
