"""System V message queues and semaphores and POSIX message queues (issue 17).

One static C program exercises msgget/msgsnd/msgrcv/msgctl, semget/semop/
semtimedop/semctl and the mq_* calls: their errors, type and priority order,
MSG_COPY, blocking until another process acts, EIDRM to a sleeper whose
queue or set is removed, EINTR from a handler (SA_RESTART or not),
SEM_UNDO applied at exit, the timeouts, and mq_notify's SIGEV_SIGNAL. Its
output on the machine must be what it prints natively on a tmpfs. The
/proc/sys and /proc/sysvipc files are checked on the machine alone.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "/proc/sys/kernel/sem: 32000\t1024000000\t500\t32000",
    "our row: key 0 perms 640 cbytes 5 qnum 2 lspid is mine 1 lrpid 0",
    "msgrcv except 5: 6",
    "child msgrcv after removal: -1 EIDRM",
    "GETVAL after undo: 2",
    "GETNCNT: 1",
    "child semop woken: 0",
    "semop interrupted (SA_RESTART): -1 EINTR",
    "child semop after removal: -1 EIDRM",
    "semtimedop timeout: -1 EAGAIN",
    "  notified 10 code -3 value 77",
    "receive: 4 high prio 9",
    "receive timeout: -1 ETIMEDOUT",
    "blocked receive: 5 child",
    "done",
)


def test_sysv_ipc_and_mqueue_as_on_a_tmpfs(tmp_path: Path) -> None:
    program = build_static(tmp_path, "sysv_ipc_mqueue.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)


#: aio.c's lines that must be there natively.
AIO_FACTS = (
    "io_setup 65537: -1 EAGAIN",
    "  event data 0x1235 res 9 res2 0 obj ok 1",
    "  read: 0 0 0 [hello aio]",
    "  res -11",
    "submit write to read-only: -1 EBADF",
    "submit nr -1: -1 EINVAL",
    "  eventfd count 1",
    "  res 0x41",
    "io_cancel pending poll: -1 EINPROGRESS",
    "io_cancel completed: -1 EINVAL",
    "done",
)


def test_native_aio_as_on_a_tmpfs(tmp_path: Path) -> None:
    """io_setup/io_submit/io_getevents/io_pgetevents/io_cancel/io_destroy: done at submission, with Linux's
    errors and events (a read, a write at an offset, RWF_NOWAIT on an empty pipe, an eventfd told, polls
    ready at once, later, and cancelled)."""
    program = build_static(tmp_path, "aio.c")
    assert_as_on_a_tmpfs(tmp_path, program, AIO_FACTS)
