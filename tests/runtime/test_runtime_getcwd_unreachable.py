"""getcwd outside the root (issue 17: LTP's realpath01): "(unreachable)" and the path from the top after a chroot
that leaves the cwd outside, so realpath(3) fails; ENOENT for a removed cwd. Natively on a tmpfs and on the
machine, the outputs the same."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "getcwd of a removed directory: ENOENT",
    "getcwd outside the root: 1 bytes, unreachable 1, then the old path 1",
    'realpath("."): ENOENT',
)


def test_getcwd_outside_the_root_is_unreachable(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "getcwd_unreachable.c"), FACTS)
