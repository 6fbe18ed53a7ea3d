"""AF_PACKET rings on the machine's lo (issue 17): a TPACKET_V2 receive ring mapped and filled, a transmit ring.

data/packet_rings.c maps a receive ring (a part of it is EINVAL; freeing it
while mapped EBUSY), fills it with five frames of an experimental ethertype
(four fit: the fifth is dropped, and the next frame stored says
TP_STATUS_LOSING), reads each frame's header and sockaddr_ll, then sends
two frames a transmit ring holds with one send; packet_v3.c does the same
with TPACKET_V3 blocks. Natively they run as root;
output must be the same.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "mmap of part of it: EINVAL",
    "free while mapped: -1 EBUSY",
    "poll after: 1",
    "frame 3: status 1 len 21 snaplen 21 mac 66 net 80 proto 0x88b5 pkttype 0 data frame 3",
    "after one was lost: status 5 data late",
    "stats: 6 packets 1 drops",
    "tx send: 40, statuses 0 0",
    "received: len 20 data second",
    "free once unmapped: 0",
    "done",
)


def test_packet_rings_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "packet_rings.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)


#: packet_v3.c: a TPACKET_V3 block retired by its timer while poll sleeps, one closed full, the queue frozen
#: while the process holds a block, TP_STATUS_LOSING after drops.
V3_FACTS = (
    "poll at once: 0",
    "poll for the timer: 1, within a second: 1",
    "retired: block 0 version 2 priv at 48 status 0x21 packets 3 first at 64 len 376 seq 1",
    "  packet: next 0 len 22 snaplen 22 mac 82 net 96 status 1 data packet 2",
    "full: block 1 version 2 priv at 48 status 0x1 packets 3 first at 64 len 3352 seq 2",
    "stats: 9 packets 3 drops",
    "thawed: block 0 version 2 priv at 48 status 0x21 packets 1 first at 64 len 168 seq 3",
    "done",
)


def test_packet_v3_blocks_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "packet_v3.c")
    assert_as_on_a_tmpfs(tmp_path, program, V3_FACTS)
