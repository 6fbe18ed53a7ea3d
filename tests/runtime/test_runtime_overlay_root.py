"""The copy-on-write root is an overlay (issue 17: LTP's fcntl24-26, fcntl32-33 and read02 skip a tmpfs): statfs,
/proc/self/mounts and mountinfo say so, /dev/shm and a mounted tmpfs say tmpfs; and a write lease under a break
by an open for writing is not downgraded (fcntl33). On the machine only: natively the root is whatever the host's is.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import machine_root

EXPECTED = """\
statfs /: 0x794c7630 nosuid 0 nodev 0 relatime 1
statfs .: 0x794c7630 nosuid 0 nodev 0 relatime 1
statfs /dev/shm: 0x1021994 nosuid 1 nodev 1 relatime 1
statfs /proc: 0x9fa0 nosuid 1 nodev 1 relatime 1
mount tmpfs: 0
statfs t: 0x1021994 nosuid 0 nodev 0 relatime 1
/proc/self/mounts /: overlay overlay rw,relatime
/proc/self/mounts /dev/shm: tmpfs tmpfs rw,nosuid,n
/proc/self/mountinfo /: overlay overlay
/proc/self/mountinfo /dev/shm: tmpfs tmpfs
F_SETLEASE F_WRLCK: 0
SIGIO: 1
downgrade while an open for writing waits: -1 EAGAIN
F_GETLEASE: F_UNLCK
F_SETLEASE F_UNLCK: 0
writer opened: 1
"""


def test_the_root_is_an_overlay_and_shm_a_tmpfs(tmp_path: Path) -> None:
    program = build_static(tmp_path, "overlay_root.c")
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert (machine.stdout.decode(), machine.status) == (EXPECTED, 0), machine.text()[-4000:]
