"""inotify, fallocate, SEEK_DATA/SEEK_HOLE, RLIMIT_FSIZE, file handles, openat2, leases, fcntl owners and O_ASYNC pipes,
F_CREATED_QUERY, device nodes no driver opens, /dev/full, readahead, pwrite with O_APPEND and fsync of a FIFO
(issue 17, files).

data/file_notify.c exercises each call and its errors. Natively it runs in a
fresh directory of /dev/shm, a tmpfs, as the machine's filesystem is
tmpfs-like; on the machine in the root's /work. Output and status must be
the same.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from busybox import ENV, build_static, require
from tmpfs_native import SHM, assert_as_on_a_tmpfs, machine_root, require_tmpfs, trace_on_machine

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "add_watch d: 1",
    "  wd 1 MOVED_FROM cookie g (len 16)",
    "  wd 1 CREATE|ISDIR sub (len 16)",
    "  wd 2 IGNORED - (len 0)",
    "  wd 3 DELETE_SELF - (len 0)",
    "overflowed queue: 16385 events, 1 overflow",
    "  size 8192 blocks 32",
    "  bytes 999 1000 4095 4096 5999 6000: x 0 0 0 0 x",
    "zero range: -1 EOPNOTSUPP",
    "SEEK_HOLE from 8192: 12288",
    "write 5000 under a 4096 limit: 4096",
    "write at the limit: -1 EFBIG",
    "  SIGXFSZ: 1 signal(s), last 25",
    "  handle_bytes 12 type 1",
    "open_by_handle_at on a pipe's filesystem: -1 ESTALE",
    "BENEATH abs symlink: -1 EXDEV",
    "NO_MAGICLINKS: -1 ELOOP",
    "open O_NONBLOCK breaks it: -1 EAGAIN",
    "  si_fd is the lease's: 1 si_code 3 si_band 441",
    "  si_fd 1 si_code 1 si_band 41",
    "F_CREATED_QUERY, made: 1",
    "  mode 60600 rdev 250:3",
    "write /dev/full: -1 ENOSPC",
    "readahead, a pipe: -1 EINVAL",
    "pwrite at 0 again: 3",
    "  size: 6",
    "fsync of a FIFO: -1 EINVAL",
    "fdinfo mask: 80000002",
)


def test_the_file_calls_of_issue_17_answer_as_on_a_tmpfs(tmp_path: Path) -> None:
    program = build_static(tmp_path, "file_notify.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)


#: The calls whose --trace lines are held to strace's (their flags and masks by name).
TRACED = ("inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fallocate")


def _calls(trace: str) -> list[str]:
    starts = tuple(f"{name}(" for name in TRACED)
    return [re.sub(r" +=", " =", line) for line in trace.splitlines() if line.startswith(starts)]


def test_the_calls_are_traced_as_strace_prints_them(tmp_path: Path) -> None:
    require_tmpfs()
    strace = require("strace", "strace")
    program = build_static(tmp_path, "file_notify.c")
    with tempfile.TemporaryDirectory(dir=SHM) as here:
        native_trace = tmp_path / "native.txt"
        subprocess.run([strace, "-o", str(native_trace), "-e", "trace=" + ",".join(TRACED), str(program)],
                       cwd=here, env=ENV, capture_output=True, timeout=120, check=True)
        expected = _calls(native_trace.read_text())
    out = tmp_path / "machine.txt"
    proc = trace_on_machine(machine_root(tmp_path / "root", program), program, out)
    assert proc.returncode == 0, proc.stderr
    assert len(expected) > 20
    assert _calls(out.read_text()) == expected
