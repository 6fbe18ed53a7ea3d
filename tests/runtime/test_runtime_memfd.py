"""memfd_create and file seals (issue 17): names in /proc, modes, and what each seal refuses, as on Linux."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "link: /memfd:probe (deleted)",
    "write seal with a shared mapping: EBUSY",
    "write: EPERM",
    "mprotect shared to writable: EACCES",
    "tmpfs file seals: 1",
    "done",
)


def test_memfd_and_its_seals_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "memfd.c"), FACTS)


SECRET_FACTS = (
    "link: /secretmem (deleted)",
    "private map: EINVAL",
    "process_vm_readv of it: EFAULT",
    "epoll: EPERM",
    "done",
)


def test_memfd_secret_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "memfd_secret.c"), SECRET_FACTS)
