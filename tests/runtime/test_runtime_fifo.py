"""FIFOs made by mknod (issue 16): fs/pipe.c's fifo_open rules between processes.

data/fifo.c opens a FIFO from two processes, each side first in turn (the
blocking opens meet), sends data through to end of file, and checks ENXIO for
a nonblocking writer with no reader, EPIPE and SIGPIPE once every reader has
gone, poll's and epoll's POLLHUP only after a writer has come and gone, one buffer for
all openers and its loss after the last close, and a blocking open ended by a
signal (EINTR, the interrupted reader no longer counted), and F_SETPIPE_SZ. Natively it runs in
a fresh directory of /dev/shm; on the machine in /work. Output and status
must be the same.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from busybox import ENV, build_static
from native_vs_machine import run_machine
from test_runtime_statx_xattr import SHM, _require_tmpfs, _root

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "reader after a waiting writer: 0",
    "read 4 ping",
    "nonblocking writer with a reader waiting: 0",
    "nonblocking writer alone: -1 ENXIO",
    "poll alone 0",
    "poll after the writer 0x11",
    "epoll_wait, writer gone: 1 0x11",
    "read both 4 abcd",
    "F_SETPIPE_SZ 5000: 8192",
    "F_SETPIPE_SZ below what it holds: -1 EBUSY",
    "write with no reader left: -1 EPIPE",
    "SIGPIPEs caught 1",
    "read after everyone closed: -1 EAGAIN",
    "blocking reader interrupted: -1 EINTR",
    "nonblocking writer after the interrupted reader: -1 ENXIO",
    "read after unlink 5 still",
    "done",
)


def test_a_fifo_between_processes_as_on_linux(tmp_path: Path) -> None:
    _require_tmpfs(SHM)
    program = build_static(tmp_path, "fifo.c")
    with tempfile.TemporaryDirectory(dir=SHM) as here:
        native = subprocess.run([str(program)], cwd=here, env=ENV, capture_output=True, timeout=120, check=False)
    text = native.stdout.decode()
    assert native.returncode == 0, f"natively:\n{text}{native.stderr.decode()}"
    for fact in FACTS:
        assert fact in text.splitlines(), f"natively, {fact!r} is missing:\n{text}"
    machine = run_machine(_root(tmp_path / "root", program), program, ()).outcome
    assert (machine.stdout.decode(), machine.status) == (text, 0), machine.text()[-4000:]
