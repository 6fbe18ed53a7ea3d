"""/dev/net/tun on the machine (issue 17): a TUN link made, shown, brought up, written to, gone on close.

data/tun_device.c reads TUNGETFEATURES, makes a link from "mtun%d"
(EEXIST again on the same file, EBUSY from another, EINVAL for lo), reads
its flags and MTU through a socket's interface ioctls, brings it up,
writes a packet to it (and one with no IP
version: EINVAL), reads nothing (EAGAIN), and sees the link gone once the
file is closed. Natively it runs as root; output must be the same.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "features: TUN 1 TAP 1 NO_PI 1",
    "TUNSETIFF: ok name mtun0",
    "another file, the same name: EBUSY",
    "flags 0x1090",
    "flags 0x51",
    "write no IP version: EINVAL",
    "read: EAGAIN",
    "gone: 1",
    "done",
)


def test_tun_device_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "tun_device.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
