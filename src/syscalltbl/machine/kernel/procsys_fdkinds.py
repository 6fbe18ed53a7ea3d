"""/proc/sys/kernel's perf_event_*, io_uring_* and unprivileged_bpf_disabled, and /proc/sys/fs/fanotify
(kernel/fdkind_sysctl.py holds the values; `number` is /proc/sys's number file, which kernel/procsys.py
passes, as procsys_ipc's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.fdkind_sysctl import FdKindSysctl
from syscalltbl.machine.kernel.procfile import ProcFile
from syscalltbl.machine.kernel.sysctl import parse_int
from syscalltbl.machine.kernel.vfs import Inode
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

NumberFile = Callable[[Callable[[], bytes], Callable[[bytes, "Task"], None]], ProcFile]


def _number(s: FdKindSysctl, name: str, number: NumberFile, low: int, high: int, *,
            admin: bool = False, once_set: int | None = None) -> ProcFile:
    """proc_dointvec_minmax of one field: EINVAL outside [low, high]; `admin`: CAP_SYS_ADMIN to write, as
    Linux's handler asks beyond the file's mode; `once_set`: a value that, once written, stays (as
    unprivileged_bpf_disabled's 1)."""

    def write(data: bytes, writer: Task) -> None:
        if admin and not writer.cred.capable(CAP_SYS_ADMIN):
            raise Errno(EPERM)
        value = parse_int(data)
        if not low <= value <= high:
            raise Errno(EINVAL)
        if once_set is not None and getattr(s, name) == once_set and value != once_set:
            raise Errno(EPERM)
        setattr(s, name, value)

    return number(lambda: b"%d\n" % getattr(s, name), write)


def kernel_files(s: FdKindSysctl, number: NumberFile) -> dict[bytes, Inode]:
    int_max = 2**31 - 1
    return {
        b"perf_event_paranoid": _number(s, "perf_event_paranoid", number, -(2**31), int_max, admin=True),
        b"perf_event_max_sample_rate": _number(s, "perf_event_max_sample_rate", number, 1, int_max),
        b"perf_event_mlock_kb": _number(s, "perf_event_mlock_kb", number, 0, int_max),
        b"io_uring_disabled": _number(s, "io_uring_disabled", number, 0, 2),
        b"io_uring_group": _number(s, "io_uring_group", number, -1, int_max),
        b"unprivileged_bpf_disabled": _number(s, "unprivileged_bpf_disabled", number, 0, 2, admin=True,
                                              once_set=1),
    }


def fanotify_files(s: FdKindSysctl, number: NumberFile) -> dict[bytes, Inode]:
    """/proc/sys/fs/fanotify (kernel/fanotify.py enforces them)."""
    int_max = 2**31 - 1
    return {
        b"max_queued_events": _number(s, "fanotify_max_queued_events", number, 0, int_max),
        b"max_user_groups": _number(s, "fanotify_max_user_groups", number, 0, int_max),
        b"max_user_marks": _number(s, "fanotify_max_user_marks", number, 0, int_max),
    }
