"""/proc/sys: the machine's tunables (kernel/sysctl.py) as files, read and written as sysctl's are.

A read renders the value now held, with a newline; a write by root sets it
through the same check the kernel's handler makes (EINVAL for a value out of
range). The files are root's, 0644 where Linux lets root write them, so a
process without root is refused at open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import procsys_fdkinds
from syscalltbl.machine.kernel.procfile import ProcDirectory, ProcFile
from syscalltbl.machine.kernel.procsys_ipc import aio_files, ipc_kernel_files, mqueue_files
from syscalltbl.machine.kernel.randomdev import (
    CRNG_RESEED_SECS,
    POOL_BITS,
    WRITE_WAKEUP_BITS,
    entropy_avail,
    new_uuid,
)
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
from syscalltbl.machine.kernel.ucount import KINDS, LONG_MAX, Ucounts, ucounts_of
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EACCES, EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import O_ACCMODE, O_PATH, O_RDONLY, O_TRUNC
from syscalltbl.machine.uapi.seccomp import ACTION_NAMES

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.nsproxy import UtsNamespace
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


def _hostname(uts: UtsNamespace, data: bytes) -> None:
    uts.hostname = parse_string(data, NEW_UTS_LEN + 1)  # proc_do_uts_string: sethostname's rules, cut not refused


def _domainname(uts: UtsNamespace, data: bytes) -> None:
    uts.domainname = parse_string(data, NEW_UTS_LEN + 1)


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

    def __init__(self, parent: Directory, name: bytes,
                 files: Callable[[SysctlDir, Task], dict[bytes, Inode]]) -> None:
        """`files`: the directory's entries as `task` looks them up (the namespaced ones are its namespaces')."""
        super().__init__(parent, 0o555)
        self.name = name
        self._files = files

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        return self._files(self, task)

    def name_of(self, child: Inode) -> bytes | None:
        return child.name if isinstance(child, SysctlDir) else None


def kernel_files(s: Sysctl, task: Task) -> dict[bytes, Inode]:
    """/proc/sys/kernel; the names and IPC limits of `task`'s namespaces (the proc_handlers use current's)."""
    uts = task.nsproxy.uts
    return {
        b"core_pattern": ProcFile(_line(lambda: s.core_pattern), lambda data, _w: _core_pattern(s, data)),
        b"domainname": ProcFile(_line(lambda: uts.domainname), lambda data, _w: _domainname(uts, data)),
        b"hostname": ProcFile(_line(lambda: uts.hostname), lambda data, _w: _hostname(uts, data)),
        b"osrelease": SysctlConstant(_line(lambda: OSRELEASE)),
        b"ostype": SysctlConstant(_line(lambda: OSTYPE)),
        b"printk": SysctlNumber(_line(lambda: "\t".join(map(str, s.console_printk))),
                                lambda data, _w: s.set_printk(data)),
        b"pid_max": SysctlNumber(_line(lambda: s.pid_max), lambda data, _w: s.set_pid_max(parse_int(data))),
        b"tainted": SysctlNumber(_line(lambda: s.tainted), lambda data, writer: _taint(s, data, writer)),
        b"version": SysctlConstant(_line(lambda: VERSION)),
        b"threads-max": SysctlNumber(_line(lambda: s.threads_max), lambda data, _w: s.set_threads_max(parse_int(data))),
        **ipc_kernel_files(task.nsproxy.ipc.limits, SysctlNumber),
        **procsys_fdkinds.kernel_files(s.fdkinds, SysctlNumber),
    }


def random_dir(parent: Directory, s: Sysctl) -> SysctlDir:
    """/proc/sys/kernel/random (drivers/char/random.c's random_table)."""
    return SysctlDir(parent, b"random", lambda _d, _t: {
        b"boot_id": SysctlConstant(_line(lambda: s.boot_id)),
        b"entropy_avail": SysctlConstant(_line(entropy_avail)),
        b"poolsize": SysctlConstant(_line(lambda: POOL_BITS)),
        b"uuid": SysctlConstant(_line(new_uuid)),
        # proc_do_rointvec: root may write them, the write is taken and has no effect
        b"urandom_min_reseed_secs": SysctlNumber(_line(lambda: CRNG_RESEED_SECS), lambda data, _w: None),
        b"write_wakeup_threshold": SysctlNumber(_line(lambda: WRITE_WAKEUP_BITS), lambda data, _w: None),
    })  # fmt: skip


def fs_files(d: SysctlDir, s: Sysctl, task: Task) -> dict[bytes, Inode]:
    """/proc/sys/fs."""
    return {
        b"fanotify": SysctlDir(d, b"fanotify",
                               lambda _d, _t: procsys_fdkinds.fanotify_files(s.fdkinds, SysctlNumber)),
        b"inotify": SysctlDir(d, b"inotify", lambda _d, _t: inotify_files(s)),
        b"mqueue": SysctlDir(d, b"mqueue", lambda _d, reader: mqueue_files(reader.nsproxy.ipc.limits, SysctlNumber)),
        **aio_files(s.aio, SysctlNumber, SysctlConstant),
        b"dir-notify-enable": SysctlNumber(_line(lambda: s.dir_notify_enable),
                                           lambda data, _w: setattr(s, "dir_notify_enable", parse_int(data))),
        b"lease-break-time": SysctlNumber(_line(lambda: s.lease_break_time),
                                          lambda data, _w: _lease_break_time(s, data)),
        b"nr_open": SysctlNumber(_line(lambda: s.nr_open), lambda data, _w: s.set_nr_open(parse_uint(data))),
        b"pipe-max-size": SysctlNumber(_line(lambda: s.pipe_max_size),
                                   lambda data, _w: s.set_pipe_max_size(parse_uint(data))),
        b"pipe-user-pages-soft": SysctlNumber(_line(lambda: s.pipe_user_pages_soft),
                                          lambda data, _w: _pipe_user_pages_soft(s, data)),
    }


def seccomp_dir(parent: Directory, s: Sysctl) -> SysctlDir:
    """/proc/sys/kernel/seccomp: the actions filters may answer, and those logged (seccomp_actions_logged_handler:
    root only, a space-separated list of known names, "allow" never logged)."""
    names = [name.encode() for _, name in ACTION_NAMES]

    def write(data: bytes, writer: Task) -> None:
        if not writer.cred.capable(CAP_SYS_ADMIN):
            raise Errno(EPERM)
        wanted = data.split()
        if any(name not in names or name == b"allow" for name in wanted):
            raise Errno(EINVAL)
        s.seccomp_actions_logged = b" ".join(name for name in names if name in wanted)

    return SysctlDir(parent, b"seccomp", lambda _d, _t: {
        b"actions_avail": SysctlConstant(_line(lambda: b" ".join(names))),
        b"actions_logged": SysctlNumber(_line(lambda: s.seccomp_actions_logged), write),
    })  # fmt: skip


def keys_dir(parent: Directory, s: Sysctl) -> SysctlDir:
    """/proc/sys/kernel/keys: the key quotas, each 0 to INT_MAX (proc_dointvec_minmax)."""

    def number(name: str) -> SysctlNumber:
        def write(data: bytes, _writer: Task) -> None:
            value = parse_int(data)
            if value < 0:
                raise Errno(EINVAL)
            setattr(s, name, value)

        return SysctlNumber(_line(lambda: getattr(s, name)), write)

    return SysctlDir(parent, b"keys", lambda _d, _t: {
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


def _memfd_noexec(s: Sysctl, data: bytes, writer: Task) -> None:
    """pid_mfd_noexec_dointvec_minmax: CAP_SYS_ADMIN, 0 to 2 (the machine has one pid namespace, no parent's)."""
    if not writer.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)
    value = parse_int(data)
    if not 0 <= value <= 2:
        raise Errno(EINVAL)
    s.memfd_noexec = value


def _unprivileged_userfaultfd(s: Sysctl, data: bytes) -> None:
    value = parse_int(data)
    if not 0 <= value <= 1:
        raise Errno(EINVAL)  # proc_dointvec_minmax, SYSCTL_ZERO to SYSCTL_ONE
    s.unprivileged_userfaultfd = value


def vm_files(s: Sysctl) -> dict[bytes, Inode]:
    return {
        b"memfd_noexec": SysctlNumber(_line(lambda: s.memfd_noexec), lambda data, w: _memfd_noexec(s, data, w)),
        b"unprivileged_userfaultfd": SysctlNumber(_line(lambda: s.unprivileged_userfaultfd),
                                                  lambda data, _w: _unprivileged_userfaultfd(s, data)),
    }


def user_files(init: Ucounts, task: Task) -> dict[bytes, Inode]:
    """/proc/sys/user: the limits of the reader's user namespace (set_lookup: current's), each 0 to LONG_MAX
    (proc_doulongvec_minmax)."""
    counts = ucounts_of(init, task.cred.user_ns)

    def number(kind: str) -> SysctlNumber:
        def write(data: bytes, _writer: Task) -> None:
            value = parse_uint(data, 64)
            if value > LONG_MAX:
                raise Errno(EINVAL)
            counts.max[kind] = value

        return SysctlNumber(_line(lambda: counts.max[kind]), write)

    return {b"max_%s_namespaces" % kind.encode(): number(kind) for kind in KINDS}


def proc_sys(parent: Directory, s: Sysctl, more_kernel: Callable[[], dict[bytes, Inode]] | None = None,
             ucounts: Ucounts | None = None, net: Callable[[SysctlDir], Inode] | None = None) -> SysctlDir:
    """The /proc/sys directory, its kernel/, fs/, user/ and vm/ made afresh at each lookup as the rest of /proc is;
    net/ is `net`'s (kernel/procsys_net.py, which builds on this module)."""

    def top(d: SysctlDir, _task: Task) -> dict[bytes, Inode]:
        user = {} if ucounts is None else {b"user": SysctlDir(d, b"user", lambda _u, task: user_files(ucounts, task))}
        return {
            **({b"net": net(d)} if net is not None else {}),
            **user,
            b"fs": SysctlDir(d, b"fs", lambda fs, task: fs_files(fs, s, task)),
            b"kernel": SysctlDir(d, b"kernel", lambda k, task: {**kernel_files(s, task), b"keys": keys_dir(k, s),
                                                          b"random": random_dir(k, s),
                                                          b"seccomp": seccomp_dir(k, s),
                                                          **(more_kernel() if more_kernel else {})}),
            b"vm": SysctlDir(d, b"vm", lambda _d, _t: vm_files(s)),
        }

    return SysctlDir(parent, b"sys", top)
