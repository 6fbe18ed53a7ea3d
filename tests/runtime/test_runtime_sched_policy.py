"""Scheduling policies (issue 17): sched_setscheduler, setparam, getscheduler, getparam, setattr and getattr
keep a task's policy and priority with Linux's checks, SCHED_RESET_ON_FORK and the unprivileged rules,
held to a native run."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "now: policy 1 priority 10",
    "priority now 20",
    "FIFO 100: EINVAL",
    "no such pid: ESRCH",
    "RR 5 reset-on-fork: ok, getscheduler 0x40000002",
    "child: policy 0 priority 0",
    "getattr small: EINVAL",
    "setattr BATCH nice 5: ok, policy 3 nice 5",
    "setattr size 8: E2BIG, size written 56",
    "nobody FIFO: EPERM",
    "nobody back to OTHER: EPERM",
    "done",
)


def test_policies_answer_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "schedpolicy.c"), FACTS)
