"""Sparse files (issue 17: LTP's fsync02, and test_dev.img, which LTP makes before it looks for a loop device):
a file of terabytes with a few pages written takes those pages only, as on tmpfs. A static C program natively on
a tmpfs and on the machine must print the same sizes, blocks and offsets."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "after three writes           size 5368709121 blocks 32",
    "after ftruncate              size 1099511627776 blocks 32",
    "after touching it            size 1099511627776 blocks 56",
    "pwrite past s_maxbytes: -1 EINVAL",
)


def test_sparse_files_take_only_their_pages(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "sparse.c"), FACTS)
