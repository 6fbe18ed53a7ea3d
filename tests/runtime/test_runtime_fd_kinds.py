"""BPF maps, software perf events, io_uring and fanotify: the descriptor kinds LTP's lib/tst_fd.c opens
(issue 17, fdkinds).

data/fd_kinds.c uses each as a program would, with its errors: an array and a
hash map's element commands, a task-clock event enabled, disabled and reset,
a page-fault count, an io_uring's NOP, WRITE, READV, a failed link head and
its cancelled link, registered buffers, and a fanotify group's merged events,
its descriptors, and permission events answered, denied, left to a SIGKILL and
freed by closing the group. Natively it runs in a fresh directory of
/dev/shm (it needs root: bpf and fanotify take CAP_SYS_ADMIN), on the machine
in the root's /work; output and status must be the same.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "  value deadbeef",
    "  update 5: -1 E2BIG",
    "  past max_entries: -1 E2BIG",
    "  counted: 1",
    "  id matches: 1, running == enabled: 1",
    "page faults: at least 64: 1",
    "  read back: uring",
    "  cqe 5 res -125",
    "  fixed: hello",
    "  event mask 28 ours 1 len 24 names watched 1",
    "  child read: EPERM",
    "  child killed by 9",
    "  denied open: EPERM",
    "  closing the group lets a waiter read: 1",
)


def test_the_fd_kinds_of_lib_tst_fd_answer_as_natively(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("natively, bpf maps and fanotify groups take root")
    program = build_static(tmp_path, "fd_kinds.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
