"""AF_PACKET rings on the machine's lo (issue 17): a TPACKET_V2 receive ring mapped and filled, a transmit ring.

data/packet_rings.c maps a receive ring (a part of it is EINVAL; freeing it
while mapped EBUSY), fills it with five frames of an experimental ethertype
(four fit: the fifth is dropped, and the next frame stored says
TP_STATUS_LOSING), reads each frame's header and sockaddr_ll, then sends
two frames a transmit ring holds with one send. Natively it runs as root;
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
