"""The machine's tunables (kernel.*, fs.*): the state /proc/sys shows and uname, fork and F_SETPIPE_SZ obey.

One Sysctl per machine. Each setter checks a value as the kernel's sysctl
handler for that file does (proc_dointvec_minmax, proc_dostring,
proc_dopipe_max_size) and raises Errno as a write of it would.
"""

from __future__ import annotations

from typing import Final

from syscalltbl.machine.kernel.aio import AioLimits
from syscalltbl.machine.kernel.fdkind_sysctl import FdKindSysctl
from syscalltbl.machine.kernel.limits import MAX_THREADS_MAX, MAX_THREADS_MIN
from syscalltbl.machine.kernel.pipesize import PIPE_MAX_SIZE, round_pipe_size
from syscalltbl.machine.kernel.randomdev import new_uuid
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.keyctl import (
    KEY_QUOTA_MAXBYTES,
    KEY_QUOTA_MAXKEYS,
    KEY_QUOTA_ROOT_MAXBYTES,
    KEY_QUOTA_ROOT_MAXKEYS,
)
from syscalltbl.store.record import Value

# include/linux/threads.h
PID_MAX_DEFAULT: Final = 0x8000  # what a Linux box without a sysctl.conf starts with
PID_MAX_LIMIT: Final = 4 * 1024 * 1024  # 64-bit: the highest pid_max may be set to
RESERVED_PIDS: Final = 300  # where pids start again once they wrap (kernel/pid.c)
NEW_UTS_LEN: Final = 64  # include/uapi/linux/utsname.h: a hostname's longest
CORENAME_MAX_SIZE: Final = 128  # include/linux/binfmts.h: core_pattern's buffer, its NUL included
PIPE_USER_PAGES_SOFT: Final = 16384  # fs/pipe.c: PIPE_DEF_BUFFERS * INR_OPEN_CUR
LEASE_BREAK_TIME: Final = 45  # fs/locks.c: seconds a lease holder is given
NR_OPEN_MIN: Final = 64  # fs/file.c: sysctl_nr_open_min, BITS_PER_LONG
NR_OPEN_MAX: Final = 0x7FFFFFC0  # sysctl_nr_open_max: INT_MAX rounded down to BITS_PER_LONG

# What uname reports besides the names sethostname and setdomainname change.
OSTYPE: Final = b"Linux"
OSRELEASE: Final = b"6.18.2-syscalltbl"
VERSION: Final = b"#1 SMP PREEMPT_DYNAMIC"
MACHINE_NAME: Final = b"x86_64"
#: The names the first UTS namespace starts with (CONFIG_DEFAULT_HOSTNAME, and no NIS domain).
DEFAULT_HOSTNAME: Final = b"syscalltbl"
DEFAULT_DOMAINNAME: Final = b"(none)"


class Sysctl(Value):
    """The values. `threads_limit` is the machine's process limit (--max-procs, kernel/limits.py): where Linux
    derives threads-max from RAM, and the most a write may raise it to."""

    threads_limit: int
    #: fs.nr_open: how far a descriptor table may grow, and RLIMIT_NOFILE's ceiling (--max-files, kernel/limits.py)
    nr_open: int
    threads_max: int
    pid_max: int
    #: kernel.random.boot_id: a random UUID made once a boot
    boot_id: bytes
    core_pattern: bytes
    pipe_max_size: int
    pipe_user_pages_soft: int
    lease_break_time: int
    #: kernel.seccomp.actions_logged: the actions seccomp would log (to an audit log this kernel lacks).
    seccomp_actions_logged: bytes
    dir_notify_enable: int  # fs.dir-notify-enable: 0 makes F_NOTIFY EINVAL
    tainted: int  # nothing taints this kernel by itself; root may add flags
    aio: AioLimits  # fs.aio-max-nr, fs.aio-nr
    #: kernel.perf_event_*, io_uring_*, unprivileged_bpf_disabled; fs.fanotify.*
    fdkinds: FdKindSysctl
    # kernel/keys: each user's key quota (security/keys), root's apart.
    key_maxkeys: int
    key_maxbytes: int
    key_root_maxkeys: int
    key_root_maxbytes: int
    # fs.inotify.*: fs/notify/inotify/inotify_user.c's defaults; the machine sets max_user_watches from its RAM
    inotify_max_user_instances: int
    inotify_max_user_watches: int
    inotify_max_queued_events: int
    ctrl_alt_del: int  # C_A_D (kernel/reboot.c): on at boot; reboot(CAD_ON/CAD_OFF) switches it
    #: console_printk (kernel/printk/printk.c): console, default message, minimum console and default
    #: console log levels, include/linux/printk.h's defaults; syslog(2)'s CONSOLE_* actions change the first.
    console_printk: list[int]
    unprivileged_userfaultfd: int  # vm.unprivileged_userfaultfd: 0, only CAP_SYS_PTRACE handles kernel faults
    memfd_noexec: int  # vm.memfd_noexec: MEMFD_NOEXEC_SCOPE_EXEC, memfd_create's default (mm/memfd.c)
    saved_console_loglevel: int  # SYSLOG_ACTION_CONSOLE_OFF's, for CONSOLE_ON (-1, LOGLEVEL_DEFAULT: none)

    __slots__ = _fields = (
        "threads_limit", "nr_open", "threads_max", "pid_max", "boot_id", "core_pattern", "pipe_max_size",
        "pipe_user_pages_soft", "lease_break_time", "seccomp_actions_logged", "dir_notify_enable", "tainted", "aio",
        "fdkinds", "key_maxkeys", "key_maxbytes", "key_root_maxkeys", "key_root_maxbytes",
        "inotify_max_user_instances", "inotify_max_user_watches", "inotify_max_queued_events", "ctrl_alt_del",
        "console_printk", "unprivileged_userfaultfd", "memfd_noexec", "saved_console_loglevel",
    )

    def __init__(
        self,
        threads_limit: int,
        nr_open: int,
        pid_max: int = PID_MAX_DEFAULT,
        boot_id: bytes | None = None,
        core_pattern: bytes = b"core",
        pipe_max_size: int = PIPE_MAX_SIZE,
        pipe_user_pages_soft: int = PIPE_USER_PAGES_SOFT,
        lease_break_time: int = LEASE_BREAK_TIME,
        seccomp_actions_logged: bytes = b"kill_process kill_thread trap errno user_notif trace log",
        dir_notify_enable: int = 1,
        tainted: int = 0,
        aio: AioLimits | None = None,
        fdkinds: FdKindSysctl | None = None,
        key_maxkeys: int = KEY_QUOTA_MAXKEYS,
        key_maxbytes: int = KEY_QUOTA_MAXBYTES,
        key_root_maxkeys: int = KEY_QUOTA_ROOT_MAXKEYS,
        key_root_maxbytes: int = KEY_QUOTA_ROOT_MAXBYTES,
        inotify_max_user_instances: int = 128,
        inotify_max_user_watches: int = 8192,
        inotify_max_queued_events: int = 16384,
        ctrl_alt_del: int = 1,
        console_printk: list[int] | None = None,
        unprivileged_userfaultfd: int = 0,
        memfd_noexec: int = 0,
        saved_console_loglevel: int = -1,
    ) -> None:
        self.threads_limit = threads_limit
        self.nr_open = nr_open
        self.pid_max = pid_max
        self.boot_id = new_uuid() if boot_id is None else boot_id
        self.core_pattern = core_pattern
        self.pipe_max_size = pipe_max_size
        self.pipe_user_pages_soft = pipe_user_pages_soft
        self.lease_break_time = lease_break_time
        self.seccomp_actions_logged = seccomp_actions_logged
        self.dir_notify_enable = dir_notify_enable
        self.tainted = tainted
        self.aio = AioLimits() if aio is None else aio
        self.fdkinds = FdKindSysctl() if fdkinds is None else fdkinds
        self.key_maxkeys = key_maxkeys
        self.key_maxbytes = key_maxbytes
        self.key_root_maxkeys = key_root_maxkeys
        self.key_root_maxbytes = key_root_maxbytes
        self.inotify_max_user_instances = inotify_max_user_instances
        self.inotify_max_user_watches = inotify_max_user_watches
        self.inotify_max_queued_events = inotify_max_queued_events
        self.ctrl_alt_del = ctrl_alt_del
        self.console_printk = [7, 4, 1, 7] if console_printk is None else console_printk
        self.unprivileged_userfaultfd = unprivileged_userfaultfd
        self.memfd_noexec = memfd_noexec
        self.saved_console_loglevel = saved_console_loglevel
        self.__post_init__()

    def __post_init__(self) -> None:
        self.threads_max = self.threads_limit

    def set_threads_max(self, value: int) -> None:
        """sysctl_max_threads: 1 to FUTEX_TID_MASK, then set_max_threads: no more than RAM allows, at least 20."""
        if not 1 <= value <= MAX_THREADS_MAX:
            raise Errno(EINVAL)
        self.threads_max = min(max(value, MAX_THREADS_MIN), self.threads_limit)

    def set_nr_open(self, value: int) -> None:
        """proc_douintvec_minmax between sysctl_nr_open_min and sysctl_nr_open_max."""
        if not NR_OPEN_MIN <= value <= NR_OPEN_MAX:
            raise Errno(EINVAL)
        self.nr_open = value

    def add_taint(self, value: int) -> None:
        """proc_taint: a write adds flags, never clears one."""
        self.tainted |= value

    def set_pid_max(self, value: int) -> None:
        if not RESERVED_PIDS < value <= PID_MAX_LIMIT:
            raise Errno(EINVAL)  # proc_dointvec_minmax: pid_max_min..pid_max_max
        self.pid_max = value

    def set_printk(self, data: bytes) -> None:
        """A write of /proc/sys/kernel/printk: proc_dointvec sets as many of the four as the text gives."""
        values = [parse_int(word) for word in data.split(b"\0", 1)[0].split()[:4]]
        if not values:
            raise Errno(EINVAL)
        self.console_printk[: len(values)] = values

    def set_pipe_max_size(self, value: int) -> None:
        size = round_pipe_size(value) if 0 <= value < 1 << 32 else 0
        if not size:
            raise Errno(EINVAL)  # proc_dopipe_max_size: what round_pipe_size refuses
        self.pipe_max_size = size


def nonnegative(value: int) -> int:
    """proc_dointvec_minmax with extra1 = SYSCTL_ZERO: a negative value is EINVAL."""
    if value < 0:
        raise Errno(EINVAL)
    return value


def parse_int(data: bytes) -> int:
    """proc_dointvec's parse of a write: one decimal integer, blanks and a newline around it, else EINVAL."""
    text = data.split(b"\0", 1)[0].strip()
    if not text or not text.lstrip(b"-").isdigit() or len(text) > 22:
        raise Errno(EINVAL)
    value = int(text)
    if not -(1 << 31) <= value < 1 << 31:
        raise Errno(EINVAL)
    return value


def parse_uint(data: bytes, bits: int = 32) -> int:
    """proc_douintvec's parse (proc_doulongvec_minmax's with bits=64): as parse_int, but no sign."""
    text = data.split(b"\0", 1)[0].strip()
    if not text.isdigit() or len(text) > 22 or int(text) >= 1 << bits:
        raise Errno(EINVAL)
    return int(text)


def parse_string(data: bytes, maxlen: int) -> bytes:
    """proc_dostring: the text up to its first newline or NUL, cut to maxlen - 1 bytes."""
    for end in (b"\n", b"\0"):
        data = data.split(end, 1)[0]
    return data[: maxlen - 1]
