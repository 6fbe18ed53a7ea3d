"""AF_NETLINK's NETLINK_ROUTE on the machine (issue 17): lo's link and addresses as Linux's rtnetlink answers.

data/netlink_route.c binds a netlink socket (its port id the pid; the same
id again EADDRINUSE), asks RTM_GETLINK for lo by name and by index, dumps
the links and the IPv4 addresses (only lo's are printed: a host has more),
sets lo up (an ACK), and meets the errors: ENODEV, NLM_F_EXCL's EEXIST, a
type past RTM_MAX's EOPNOTSUPP, socket's ESOCKTNOSUPPORT and
EPROTONOSUPPORT; then mq_notify's SIGEV_THREAD, which glibc serves through a
netlink socket the kernel sends the cookie to. Natively it runs as root in
a fresh directory of /dev/shm; on the machine in /work. Output and status
must be the same.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "socket SOCK_STREAM: -1 ESOCKTNOSUPPORT",
    "socket protocol 31: -1 EPROTONOSUPPORT",
    "port id is the pid: 1, len 12",
    "bind the same port id: -1 EADDRINUSE",
    "getlink lo: lo type 772 flags 0x10049",
    "getlink by index: name lo",
    "getlink nosuchdev: error ENODEV capped 0",
    "dump links: lo links 1, addresses 0, multipart",
    "lo up: error 0 capped 1",
    "newlink excl: error EEXIST capped 0",
    "type past RTM_MAX: error EOPNOTSUPP capped 0",
    "dump IPv4 addresses: lo address family 2 /8 scope 254",
    "notified with 42",
    "done",
)


def test_rtnetlink_and_mq_notify_thread_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "netlink_route.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
