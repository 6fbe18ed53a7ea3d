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

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

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
    program = build_static(tmp_path, "fifo.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
