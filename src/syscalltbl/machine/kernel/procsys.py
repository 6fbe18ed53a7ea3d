"""/proc/sys: the machine's tunables (kernel/sysctl.py) as files, read and written as sysctl's are.

A read renders the value now held, with a newline; a write by root sets it
through the same check the kernel's handler makes (EINVAL for a value out of
range). The files are root's, 0644 where Linux lets root write them, so a
process without root is refused at open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.procfile import ProcDirectory, ProcFile
from syscalltbl.machine.kernel.procsys_ipc import aio_files, ipc_kernel_files, mqueue_files
from syscalltbl.machine.kernel.sysctl import (
    CORENAME_MAX_SIZE,
    NEW_UTS_LEN,
    OSRELEASE,
    OSTYPE,
    VERSION,
    Sysctl,
    nonnegative,
    parse_int,
    parse_string,
    parse_uint,
)
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EACCES, EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import O_ACCMODE, O_PATH, O_RDONLY, O_TRUNC

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


def _line(value: Callable[[], object]) -> Callable[[], bytes]:
    def render() -> bytes:
        shown = value()
        return (shown if isinstance(shown, bytes) else str(shown).encode()) + b"\n"

    return render


class SysctlNumber(ProcFile):
    """A number's file: __do_proc_dointvec renders it only for a read at offset 0, later reads find its end."""

    def read(self, f: OpenFile, count: int) -> bytes:
        return super().read(f, count) if f.offset == 0 else b""


class SysctlConstant(ProcFile):
    """A file no one may write (0444): sysctl_perm refuses an open for writing, root's as well."""

    def opening(self, flags: int) -> None:
        if not flags & O_PATH and (flags & O_ACCMODE != O_RDONLY or flags & O_TRUNC):
            raise Errno(EACCES)


def _hostname(s: Sysctl, data: bytes) -> None:
    s.hostname = parse_string(data, NEW_UTS_LEN + 1)  # proc_do_uts_string: sethostname's rules, cut not refused


def _domainname(s: Sysctl, data: bytes) -> None:
    s.domainname = parse_string(data, NEW_UTS_LEN + 1)


def _core_pattern(s: Sysctl, data: bytes) -> None:
    s.core_pattern = parse_string(data, CORENAME_MAX_SIZE)


def _pipe_user_pages_soft(s: Sysctl, data: bytes) -> None:
    s.pipe_user_pages_soft = parse_uint(data)


def _taint(s: Sysctl, data: bytes, writer: Task) -> None:
    if not writer.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)  # proc_taint: root's file, and CAP_SYS_ADMIN besides
    s.add_taint(parse_uint(data, 64))


def _lease_break_time(s: Sysctl, data: bytes) -> None:
    s.lease_break_time = parse_int(data)


class SysctlDir(ProcDirectory):
    """One directory of /proc/sys, by its name: its files, and its subdirectories."""

    def __init__(self, parent: Directory, name: bytes, files: Callable[[SysctlDir], dict[bytes, Inode]]) -> None:
        super().__init__(parent, 0o555)
        self.name = name
        self._files = files

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        return self._files(self)

    def name_of(self, child: Inode) -> bytes | None:
        return child.name if isinstance(child, SysctlDir) else None


def kernel_files(s: Sysctl) -> dict[bytes, Inode]:
    """/proc/sys/kernel."""
    return {
        b"core_pattern": ProcFile(_line(lambda: s.core_pattern), lambda data, _w: _core_pattern(s, data)),
        b"domainname": ProcFile(_line(lambda: s.domainname), lambda data, _w: _domainname(s, data)),
        b"hostname": ProcFile(_line(lambda: s.hostname), lambda data, _w: _hostname(s, data)),
        b"osrelease": SysctlConstant(_line(lambda: OSRELEASE)),
        b"ostype": SysctlConstant(_line(lambda: OSTYPE)),
        b"printk": SysctlNumber(_line(lambda: "\t".join(map(str, s.console_printk))),
                                lambda data, _w: s.set_printk(data)),
        b"pid_max": SysctlNumber(_line(lambda: s.pid_max), lambda data, _w: s.set_pid_max(parse_int(data))),
        b"tainted": SysctlNumber(_line(lambda: s.tainted), lambda data, writer: _taint(s, data, writer)),
        b"version": SysctlConstant(_line(lambda: VERSION)),
        b"threads-max": SysctlNumber(_line(lambda: s.threads_max), lambda data, _w: s.set_threads_max(parse_int(data))),
        **ipc_kernel_files(s.ipc, SysctlNumber),
    }


def fs_files(d: SysctlDir, s: Sysctl) -> dict[bytes, Inode]:
    """/proc/sys/fs."""
    return {
        b"inotify": SysctlDir(d, b"inotify", lambda _d: inotify_files(s)),
        b"mqueue": SysctlDir(d, b"mqueue", lambda _d: mqueue_files(s.ipc, SysctlNumber)),
        **aio_files(s.aio, SysctlNumber, SysctlConstant),
        b"dir-notify-enable": SysctlNumber(_line(lambda: s.dir_notify_enable),
                                           lambda data, _w: setattr(s, "dir_notify_enable", parse_int(data))),
        b"lease-break-time": SysctlNumber(_line(lambda: s.lease_break_time),
                                          lambda data, _w: _lease_break_time(s, data)),
        b"pipe-max-size": SysctlNumber(_line(lambda: s.pipe_max_size),
                                   lambda data, _w: s.set_pipe_max_size(parse_uint(data))),
        b"pipe-user-pages-soft": SysctlNumber(_line(lambda: s.pipe_user_pages_soft),
                                          lambda data, _w: _pipe_user_pages_soft(s, data)),
    }


def keys_dir(parent: Directory, s: Sysctl) -> SysctlDir:
    """/proc/sys/kernel/keys: the key quotas, each 0 to INT_MAX (proc_dointvec_minmax)."""

    def number(name: str) -> SysctlNumber:
        def write(data: bytes, _writer: Task) -> None:
            value = parse_int(data)
            if value < 0:
                raise Errno(EINVAL)
            setattr(s, name, value)

        return SysctlNumber(_line(lambda: getattr(s, name)), write)

    return SysctlDir(parent, b"keys", lambda _d: {
        b"maxbytes": number("key_maxbytes"), b"maxkeys": number("key_maxkeys"),
        b"root_maxbytes": number("key_root_maxbytes"), b"root_maxkeys": number("key_root_maxkeys"),
    })  # fmt: skip


def inotify_files(s: Sysctl) -> dict[bytes, Inode]:
    """/proc/sys/fs/inotify (kernel/inotify.py enforces them)."""

    def instances(data: bytes) -> None:
        s.inotify_max_user_instances = nonnegative(parse_int(data))

    def watches(data: bytes) -> None:
        s.inotify_max_user_watches = nonnegative(parse_int(data))

    def queued(data: bytes) -> None:
        s.inotify_max_queued_events = nonnegative(parse_int(data))

    return {
        b"max_queued_events": SysctlNumber(_line(lambda: s.inotify_max_queued_events), lambda d, _w: queued(d)),
        b"max_user_instances": SysctlNumber(_line(lambda: s.inotify_max_user_instances),
                                            lambda d, _w: instances(d)),
        b"max_user_watches": SysctlNumber(_line(lambda: s.inotify_max_user_watches), lambda d, _w: watches(d)),
    }


def proc_sys(parent: Directory, s: Sysctl, more_kernel: Callable[[], dict[bytes, Inode]] | None = None) -> SysctlDir:
    """The /proc/sys directory, its kernel/ and fs/ made afresh at each lookup as the rest of /proc is."""

    def top(d: SysctlDir) -> dict[bytes, Inode]:
        return {
            b"fs": SysctlDir(d, b"fs", lambda fs: fs_files(fs, s)),
            b"kernel": SysctlDir(d, b"kernel", lambda k: {**kernel_files(s), b"keys": keys_dir(k, s),
                                                          **(more_kernel() if more_kernel else {})}),
        }

    return SysctlDir(parent, b"sys", top)
