"""chattr's flags (issue 17: LTP's setxattr03, file_attr04): FS_IOC_GETFLAGS/SETFLAGS, FS_IOC_FSGETXATTR and
file_getattr/file_setattr, and what immutable and append-only files and directories refuse. A static C program
natively on a tmpfs and on the machine (where the work directory is the overlay root's upper layer, tmpfs-like)
must print the same."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "flags: 0xc0",
    "open O_WRONLY                      -1 EPERM",
    "unlink                             -1 EPERM",
    "setxattr                           -1 EPERM",
    "F_SETFL without O_APPEND           -1 EPERM",
    "create in it                       -1 EPERM",
    "fa_xflags: 0x8",
    "GETFLAGS on a pipe                 -1 ENOTTY",
)


def test_chattr_flags_as_on_a_tmpfs(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "fileattr.c"), FACTS)
