"""Guard pages (MADV_GUARD_INSTALL), PR_SET_TSC and get_robust_list's ptrace check (issue 17), as on Linux."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "pagemap 1: present 0 guard 1",
    "read into a guard: EFAULT",
    "write from a guard: EFAULT",
    "SIGSEGV code 1",
    "grandchild's rdtsc: 111",
    "robust list of root's process: EPERM",
    "done",
)


def test_guard_pages_tsc_and_robust_list_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "memory_markers.c"), FACTS)


QUERY_FACTS = (
    "query code: 0",
    "name is exe: 1, its size: 1",
    "short build id buffer: ENAMETOOLONG",
    "nothing there: ENOENT",
    "unknown tail: E2BIG",
    "done",
)


def test_procmap_query_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "procmap_query.c"), QUERY_FACTS)
