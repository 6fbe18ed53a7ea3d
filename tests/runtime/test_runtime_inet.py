"""AF_INET and AF_INET6 sockets on the machine's loopback (issue 17): TCP and UDP as Linux answers them.

data/inet_sockets.c makes TCP connections over 127.0.0.1, ::1 and from IPv4
to a dual-stack listener on ::, echoing between parent and child; UDP
datagrams both ways with the sender's address; and the errors on the way:
bind's EINVAL, EAFNOSUPPORT, EADDRNOTAVAIL and EADDRINUSE, ECONNREFUSED
from a port nobody listens on, EPIPE and SIGPIPE, a peer's FIN and RST,
SO_LINGER's abortive close, urgent data (MSG_OOB, SIOCATMARK,
SO_OOBINLINE), ENOTCONN, a nonblocking connect's EINPROGRESS and what later
connects answer, EDESTADDRREQ, EMSGSIZE, a connected UDP socket's
ECONNREFUSED; a multicast group joined and left; lo's interface ioctls.
Natively it runs in a fresh directory of /dev/shm; on the machine in /work.
Output and status must be the same.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "socket TCP with IPPROTO_UDP: -1 EPROTONOSUPPORT",
    "send unconnected: -1 EPIPE",
    "SIGPIPEs 1",
    "bind 192.0.2.1: -1 EADDRNOTAVAIL",
    "bind the same port: -1 EADDRINUSE",
    "connect to a port nobody listens on: -1 ECONNREFUSED",
    "nonblocking connect: -1 EINPROGRESS",
    "got abcdef",
    "send after the FIN: 1",
    "send after the RST: -1 EPIPE",
    "recv after the reset: -1 ECONNRESET",
    "got d",
    "recv after an abortive close: -1 ECONNRESET",
    "  accepted peer: family 10 len 28 ::ffff:127.0.0.1 port set",
    "  child status 0",
    "from family 10 len 28, the sender's port: yes",
    "recv the refusal: -1 ECONNREFUSED",
    "v4 bind on the same port: -1 EADDRINUSE",
    "the member receives: 6",
    "lo flags 0x49",
    "lo with 127.0.0.1 listed: 1",
    "done",
)


def test_tcp_and_udp_on_loopback_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "inet_sockets.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
