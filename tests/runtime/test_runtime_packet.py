"""AF_PACKET sockets on the machine's lo (issue 17): ring setup checks and frames between packet sockets.

data/packet_sockets.c checks PACKET_VERSION, PACKET_HDRLEN, PACKET_RESERVE
and PACKET_RX_RING's refusals (a private area larger than the block, a
frame smaller than its header, frames that are not the blocks', EBUSY while
a ring exists) and its freeing; then sends a frame of an experimental
ethertype on lo from a SOCK_DGRAM socket and receives it whole on a
SOCK_RAW socket and as payload on a bound SOCK_DGRAM one, with the
sockaddr_ll Linux gives; ENXIO for no device, EINVAL for a raw frame
shorter than its header. Natively it runs as root; output must be the same.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "v3 ring with a huge private area: EINVAL",
    "v3 ring: ok",
    "version with a ring: EBUSY",
    "reserve past INT_MAX: EINVAL",
    "v2 frames smaller than the header: EINVAL",
    "name: len 18 family 17 protocol 0x88b5 lo 1 hatype 772 halen 6",
    "raw got 19 bytes, ethertype 88b5, pkttype 0, len 20, payload hello",
    "dgram got 5 bytes: hello, protocol 0x88b5 hatype 772",
    "only once: EAGAIN",
    "to no device: ENXIO",
    "done",
)


def test_packet_sockets_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "packet_sockets.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
