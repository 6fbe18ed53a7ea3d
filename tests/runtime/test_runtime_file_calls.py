"""getdents, mknod(at), close_range, preadv/pwritev(2), O_TMPFILE, O_PATH and the *at() calls given an
absolute path with a dirfd that is no directory (issue 16).

data/file_calls.c exercises each call and its errors. Natively it runs in a
fresh directory of /dev/shm, a tmpfs, as the machine's filesystem is
tmpfs-like; on the machine in the root's /work. Output and status must be
the same. Its --trace lines for these calls are held to what strace prints
for the native run, but for the RWF_ flags newer than the host's strace.
A device node the machine has no device for is made, as Linux's root makes
it, and opening it is ENXIO (no driver; natively 7:0 would open a loop device).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from busybox import ENV, build_static, require
from native_vs_machine import run_machine
from tmpfs_native import SHM, assert_as_on_a_tmpfs, machine_root, require_tmpfs, trace_on_machine

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "  a-name-of-exactly-thirty-chars type 8 reclen 56",
    "  fifo type 1 reclen 24",
    "getdents into 10 bytes: -1 EINVAL",
    "getdents of an O_PATH fd: -1 EBADF",
    "  n-fifo: mode 10644 rdev 0:0 size 0",
    "  n-null: mode 20644 rdev 1:3 size 0",
    "  n-suid: mode 107755 rdev 0:0 size 0",
    "open the socket node: -1 ENXIO",
    "mknod a directory: -1 EPERM",
    "mknod type 070000: -1 EINVAL",
    "mknodat, relative, file dirfd: -1 ENOTDIR",
    "mknodat, absolute, file dirfd: 0",
    "  fd 14: 1",
    "close_range first > last: -1 EINVAL",
    "preadv raw, pos_h ignored: 7",
    "  size 19 position 3",
    "preadv2 unknown flag: -1 EOPNOTSUPP",
    "preadv2 unknown flag, nothing to read: 0",
    "preadv on a pipe at 0: -1 ESPIPE",
    "preadv2 NOWAIT, empty pipe: -1 EAGAIN",
    "  mode 100644 nlink 0 size 7",
    "  link it: -1 ENOENT",
    "O_TMPFILE read-only: -1 EINVAL",
    "O_TMPFILE in /proc: -1 EOPNOTSUPP",
    "  size 8 (not truncated)",
    "  read: -1 EBADF",
    "  mmap: -1 EBADF",
    "  read it: 8",
    "  its name: /p-file",
    "  its name ends in \" (deleted)\": 1",
    "O_PATH|O_NOFOLLOW of a symlink: 0",
    "  readlinkat \"\": 6",
    "O_PATH of a FIFO (no wait): 0",
    "openat, absolute, bad dirfd: 0",
    "openat, relative, file dirfd: -1 ENOTDIR",
    "done",
)
TRACED = ("getdents", "getdents64", "mknod", "mknodat", "close_range", "preadv", "pwritev", "preadv2", "pwritev2")
#: Flags the host's strace may not know yet (6.1 shows them as 0x20 /* RWF_??? */): lines left out.
NEWER_FLAGS = re.compile(r"RWF_(NOAPPEND|ATOMIC|DONTCACHE)|0x[248]0 /\* RWF_\?\?\? \*/|RWF_APPEND\|0x20")




def test_the_file_calls_answer_as_on_a_tmpfs(tmp_path: Path) -> None:
    program = build_static(tmp_path, "file_calls.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)


RENAME_FACTS = (
    "exchange two files: 0 ",
    "  a has b's inode: 1",
    "  a is a directory now: 1, d/inner reached through a: 1",
    "exchange with a missing name: -1 ENOENT",
    "exchange into its own subtree: -1 EINVAL",
    "NOREPLACE with EXCHANGE: -1 EINVAL",
    "exchange . and b: -1 EBUSY",
    "done",
)


def test_renameat2_exchanges_two_names_as_on_a_tmpfs(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "rename_exchange.c"), RENAME_FACTS)


def test_a_device_the_machine_has_not_is_made_and_opens_enxio(tmp_path: Path) -> None:
    program = build_static(tmp_path, "file_calls.c")
    machine = run_machine(machine_root(tmp_path / "root", program), program, ("foreign",)).outcome
    assert machine.stdout.decode().splitlines() == [
        "mknod 42:42: 0", "open it: -1 ENXIO", "mknod block 7:0: 0", "open it: -1 ENXIO", "then: 0"], machine.text()


def _calls(trace: str, cwd: str) -> list[str]:
    """The traced calls' lines, addresses as ADDR, the working directory as CWD, newer flags left out."""
    lines = []
    for line in trace.splitlines():
        if not line.startswith(tuple(f"{name}(" for name in TRACED)) or NEWER_FLAGS.search(line):
            continue
        if ", 1025, " in line:
            continue  # an array of stack garbage, different on each side
        line = re.sub(r" +=", " =", re.sub(r"0x[0-9a-f]{6,}", "ADDR", line.replace(cwd, "CWD")))
        lines.append(line)
    return lines


def test_the_calls_are_traced_as_strace_prints_them(tmp_path: Path) -> None:
    require_tmpfs()
    strace = require("strace", "strace")
    program = build_static(tmp_path, "file_calls.c")
    with tempfile.TemporaryDirectory(dir=SHM) as here:
        native_trace = tmp_path / "native.txt"
        subprocess.run([strace, "-o", str(native_trace), "-e", "trace=" + ",".join(TRACED), str(program)],
                       cwd=here, env=ENV, capture_output=True, timeout=120, check=True)
        expected = _calls(native_trace.read_text(), here)
    root = machine_root(tmp_path / "root", program)
    out = tmp_path / "machine.txt"
    proc = trace_on_machine(root, program, out)
    assert proc.returncode == 0, proc.stderr
    assert len(expected) > 50
    assert _calls(out.read_text(), "/work") == expected
