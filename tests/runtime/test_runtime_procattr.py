"""Process attributes (issue 17): personality, ioprio, kcmp, prctl's timer slack, child subreaper and
no_new_privs, and the memory /proc shows of a process (status's VmLck, smaps, pagemap), held to a native run."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "read back: 0x40000",
    "sticky select timeout kept: 10",
    "set BE 3: ok, get 16387",
    "set class 4: EINVAL",
    "pgrp get with a NONE member: 16388",
    "kcmp same file: 0",
    "kcmp other file: ordered",
    "kcmp bad fd: EBADF",
    "kcmp VM after fork: differ",
    "child reset to its default: 70000",
    "orphan's parent is the subreaper: yes",
    "subreaper reaps the orphan: yes, status 7",
    "nnp set: ok, get 1",
    "VmLck after mlock 4 pages: 16",
    "smaps locked part: Rss 16 Locked 16",
    "mlock2 ONFAULT: VmLck 16, resident 0000",
    "pagemap: touched present 1, untouched present 1, pfn shown yes",
    "pagemap odd count: EINVAL",
    "growsdown: grew by 2 pages, both resident: yes",
    "growsdown near another area: Segmentation fault",
    "done",
)


def test_process_attributes_answer_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "procattr.c"), FACTS)
