"""mount, umount2, chroot, unshare, setns, open_tree, move_mount, mount_setattr and /proc/self/mounts
(issue 17, mounts and namespaces).

One static C program (data/mounts.c) mounts tmpfs instances, remounts one
read-only and checks EROFS from every call that writes, binds (a directory
onto itself too), moves and unmounts (MNT_EXPIRE, MNT_DETACH, EBUSY),
chroots, makes and re-enters mount namespaces, asks sysfs and ustat, and
uses the descriptor mount API (a detached clone, a mount beneath another,
propagation and flags by mount_setattr). Natively it runs as root inside
`unshare -m --propagation private` in a fresh directory of /dev/shm, so
nothing it mounts reaches the host's namespace; on the machine it runs in
the root's /work. The outputs and exit statuses must be the same, and the
native run must print FACTS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from busybox import ENV, build_static
from native_vs_machine import run_machine
from tmpfs_native import SHM, machine_root, require_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "mount tmpfs: 0",
    "/proc/self/mounts mnt: none mnt tmpfs rw,nosuid,nodev,relatime,size=1024k,mode=700 0",
    "/proc/self/mountinfo mnt: root / options rw,nosuid,nodev,relatime - tmpfs none rw,size=1024k,mode=700",
    "statfs mnt: type 0x1021994 blocks 256 bsize 4096 rdonly 1",
    "link across mounts: -1 EXDEV",
    "umount with a file open: -1 EBUSY",
    "open for writing: -1 EROFS",
    "unlink missing: -1 EROFS",
    "expire once: -1 EAGAIN",
    "fstatat through the detached: 0",
    "/.. is /: 1",
    "mount as nobody: -1 EPERM",
    "own device in the child: 1",
    "parent sees a mount: 0",
    "setns: 0",
    "back: no mount: 1",
    "stat ../../self: 0",
    "t3/x from beneath: 0",
    "sysfs name: proc",
    "/proc/filesystems: tmpfs 1 proc 1",
    "ustat: tfree 16 tinode 9",
    "tags t2: master",
    "/proc/self/mounts t1: none t1 tmpfs rw,noexec,noatime 0",
    "done",
)


def _native(program: Path) -> str:
    """The program's output as root in a private mount namespace of its own, in a fresh tmpfs directory."""
    if os.geteuid() != 0:
        pytest.fail("the native run mounts filesystems: it needs root")
    unshare = shutil.which("unshare")
    assert unshare is not None, "util-linux's unshare is needed for the native run"
    require_tmpfs()
    with tempfile.TemporaryDirectory(dir=SHM) as here:
        native = subprocess.run([unshare, "-m", "--propagation", "private", str(program)], cwd=here, env=ENV,
                                capture_output=True, timeout=120, check=False)
    text = native.stdout.decode()
    assert native.returncode == 0, f"natively:\n{text}{native.stderr.decode()}"
    for fact in FACTS:
        assert fact in text.splitlines(), f"natively, {fact!r} is missing:\n{text}"
    return text


def test_mounts_namespaces_and_chroot_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "mounts.c")
    text = _native(program)
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert (machine.stdout.decode(), machine.status) == (text, 0), machine.text()[-4000:]
