"""Edge cases of issue 16's file calls (FIFOs, preadv, getdents, O_TMPFILE) found in review.

data/file_edges.c runs natively in a fresh directory of /dev/shm (a tmpfs,
as the machine's filesystem is tmpfs-like) and on the machine in the
root's /work: output and status must be the same, and FACTS lines must be
in the native run's output, so a broken native run cannot pass.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "open a FIFO with access mode 3: -1 EINVAL",
    "then end of file (no writer left): 0",
    "  read it: -1 EBADF",
    "  write it: -1 EBADF",
    "preadv of a directory, 0 bytes: 0",
    "preadv2 of a directory, RWF_HIPRI: -1 EISDIR",
    "preadv2 of a directory, RWF_NOWAIT: -1 EOPNOTSUPP",
    "preadv ending past LLONG_MAX: -1 EINVAL",
    "preadv2 ending past LLONG_MAX, unknown flag: -1 EINVAL",
    "preadv ending at LLONG_MAX: 0",
    "preadv2 at the position, ending past LLONG_MAX: -1 EINVAL",
    "getdents64, count UINT_MAX: -1 EINVAL",
    "getdents, count 1 << 31: -1 EINVAL",
    "getdents64, count INT_MAX, a bad buffer: -1 EFAULT",
    "O_TMPFILE read-only, a bad name: -1 EINVAL",
    "O_TMPFILE, a bad name: -1 EFAULT",
    "preadv2 RWF_NOWAIT, FIFO: -1 EOPNOTSUPP",
    "pwritev2 RWF_NOWAIT, pipe: 4",
    "preadv2 RWF_NOWAIT, empty pipe: -1 EAGAIN",
    "mknod a whiteout: 0",
    "  mode 20644 rdev 0:0",
    "open it: -1 ENXIO",
    "done",
)


def test_edge_cases_answer_as_on_a_tmpfs(tmp_path: Path) -> None:
    program = build_static(tmp_path, "file_edges.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
