"""dnotify, fcntl(F_NOTIFY) (issue 17: LTP's fcntl38, fcntl39): a static C program natively on a tmpfs and on the
machine must print the same signals for the same changes."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "create                        0          hits 1 fd-ok 1 code 3",
    "rename within                 0          hits 3 fd-ok 1 code 3",
    "create 2                      0          hits 0 fd-ok 0 code 0",
    "F_NOTIFY on a file           -1 ENOTDIR  hits 0 fd-ok 0 code 0",
)


def test_dnotify_signals_as_on_a_tmpfs(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "dnotify.c"), FACTS)
