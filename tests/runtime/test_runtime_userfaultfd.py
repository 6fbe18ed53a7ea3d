"""userfaultfd (issue 17): the handshake's refusals, a missing page served by another thread, a held fault that
SIGKILL kills and one the context's close lets go, as on Linux."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "api: 0",
    "message: event 12 flags 0 offset 4096",
    "touched: S",
    "copy again: EEXIST",
    "held child: signaled 1 sig 9",
    "after close: 0",
    "done",
)


def test_userfaultfd_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "userfaultfd.c"), FACTS)
