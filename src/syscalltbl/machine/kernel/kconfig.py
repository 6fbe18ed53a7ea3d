"""The machine's kernel configuration, /proc/config.gz (CONFIG_IKCONFIG_PROC): what it is built with, as .config text.

Nothing here is a fixed list of answers. Each option is claimed from what the
machine has: a syscall option (CONFIG_EVENTFD, CONFIG_SYSVIPC, CONFIG_AIO ...)
is `y` when every call it enables has a handler in the machine's syscall
table, so an option turns itself on the day its calls are implemented, and
is `# ... is not set` until then. Options of the machine's make (64-bit,
4-level paging, tmpfs, an overlay root, /proc) are `y` because that is what it is.
Debugging options that slow a kernel down (lockdep, KASAN ...) are not set:
the machine has none of that checking. LTP reads this file to decide which
tests the kernel can run (lib/tst_kconfig.c), as a distribution kernel's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.nsproxy import BUILT_NAMESPACES
from syscalltbl.machine.kernel.sysctl import OSRELEASE
from syscalltbl.machine.uapi.sched import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
)
from syscalltbl.store.record import Frozen

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine


class Feature(Frozen):
    """An option and what makes it true: every entry point in `calls` implemented, and `holds` (if any) true."""

    option: str
    calls: tuple[str, ...]
    holds: Callable[[Machine], bool] | None

    __slots__ = _fields = ("option", "calls", "holds")

    def __init__(
        self,
        option: str,
        calls: tuple[str, ...] = (),
        holds: Callable[[Machine], bool] | None = None,
    ) -> None:
        object.__setattr__(self, "option", option)
        object.__setattr__(self, "calls", calls)
        object.__setattr__(self, "holds", holds)


def _calls(*names: str) -> tuple[str, ...]:
    return tuple(f"sys_{name}" for name in names)


def _always(_machine: Machine) -> bool:
    return True


def _ia32(machine: Machine) -> bool:
    return machine.ia32_emulation


def _namespace(kind: int) -> Callable[[Machine], bool]:
    """The machine is built with namespaces of `kind` (a CLONE_NEW* flag)."""
    return lambda _machine: bool(BUILT_NAMESPACES & kind)
# Option -> the calls (and machine properties) it stands for in Linux's Kconfig.
FEATURES: Final[tuple[Feature, ...]] = (
    # What the machine is: an x86-64 box with 4-level paging, /proc, tmpfs (/dev/shm, mount -t tmpfs) and
    # an overlay root over a host directory (a tmpfs root without one).
    Feature("CONFIG_64BIT", holds=_always),
    Feature("CONFIG_X86_64", holds=_always),
    Feature("CONFIG_MMU", holds=_always),
    Feature("CONFIG_PROC_FS", holds=_always),
    Feature("CONFIG_IKCONFIG", holds=_always),
    Feature("CONFIG_IKCONFIG_PROC", holds=_always),  # this file
    Feature("CONFIG_TMPFS", holds=_always),  # /dev/shm and mount -t tmpfs
    # A build option, the same whatever this boot's root is (Linux's .config does not change with what is
    # mounted): the kernel has overlayfs (kernel/overlayfs.py) whether or not the root is one.
    Feature("CONFIG_OVERLAY_FS", holds=_always),
    Feature("CONFIG_TMPFS_XATTR", _calls("setxattr", "getxattr", "listxattr", "removexattr")),
    Feature("CONFIG_IA32_EMULATION", holds=_ia32),
    # init/Kconfig and the families it switches on.
    Feature("CONFIG_MULTIUSER", _calls("setuid", "setgid", "setreuid", "setresuid", "getgroups", "setgroups",
                                       "capget")),
    Feature("CONFIG_SYSVIPC", _calls("msgget", "msgctl", "msgsnd", "msgrcv", "semget", "semctl", "semop", "shmget",
                                     "shmctl", "shmat", "shmdt")),
    Feature("CONFIG_POSIX_MQUEUE", _calls("mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
                                          "mq_getsetattr")),
    Feature("CONFIG_POSIX_TIMERS", _calls("timer_create", "timer_settime", "timer_gettime", "timer_getoverrun",
                                          "timer_delete", "clock_settime", "clock_adjtime", "setitimer", "alarm")),
    Feature("CONFIG_FUTEX", _calls("futex")),
    Feature("CONFIG_EPOLL", _calls("epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait")),
    Feature("CONFIG_SIGNALFD", _calls("signalfd4")),
    Feature("CONFIG_TIMERFD", _calls("timerfd_create", "timerfd_settime", "timerfd_gettime")),
    Feature("CONFIG_EVENTFD", _calls("eventfd2")),
    Feature("CONFIG_AIO", _calls("io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents")),
    Feature("CONFIG_IO_URING", _calls("io_uring_setup", "io_uring_enter", "io_uring_register")),
    Feature("CONFIG_ADVISE_SYSCALLS", _calls("madvise", "fadvise64")),
    Feature("CONFIG_MEMBARRIER", _calls("membarrier")),
    Feature("CONFIG_RSEQ", _calls("rseq")),
    Feature("CONFIG_KCMP", _calls("kcmp")),
    Feature("CONFIG_CHECKPOINT_RESTORE", _calls("kcmp")),
    Feature("CONFIG_FHANDLE", _calls("name_to_handle_at", "open_by_handle_at")),
    Feature("CONFIG_MEMFD_CREATE", _calls("memfd_create")),
    Feature("CONFIG_SECRETMEM", _calls("memfd_secret")),
    Feature("CONFIG_USERFAULTFD", _calls("userfaultfd")),
    # kernel/userfaultfd.py's write protection of anonymous memory and minor faults of shmem.
    Feature("CONFIG_HAVE_ARCH_USERFAULTFD_WP", _calls("userfaultfd")),
    Feature("CONFIG_HAVE_ARCH_USERFAULTFD_MINOR", _calls("userfaultfd")),
    Feature("CONFIG_CROSS_MEMORY_ATTACH", _calls("process_vm_readv", "process_vm_writev")),
    Feature("CONFIG_BSD_PROCESS_ACCT", _calls("acct")),
    Feature("CONFIG_BSD_PROCESS_ACCT_V3", _calls("acct")),  # the record format kernel/acct.py writes
    Feature("CONFIG_SYSFS_SYSCALL", _calls("sysfs")),
    Feature("CONFIG_FILE_LOCKING", _calls("flock")),
    Feature("CONFIG_INOTIFY_USER", _calls("inotify_init1", "inotify_add_watch", "inotify_rm_watch")),
    Feature("CONFIG_DNOTIFY", _calls("fcntl")),  # fcntl's F_NOTIFY (kernel/dnotify.py)
    Feature("CONFIG_FANOTIFY", _calls("fanotify_init", "fanotify_mark")),
    # Permission events: the same calls (kernel/fanotify.py's groups of a content class answer them).
    Feature("CONFIG_FANOTIFY_ACCESS_PERMISSIONS", _calls("fanotify_init", "fanotify_mark")),
    Feature("CONFIG_QUOTA", _calls("quotactl")),
    Feature("CONFIG_SWAP", _calls("swapon", "swapoff")),
    Feature("CONFIG_SECCOMP", _calls("seccomp")),
    Feature("CONFIG_SECCOMP_FILTER", _calls("seccomp")),
    Feature("CONFIG_PERF_EVENTS", _calls("perf_event_open")),
    Feature("CONFIG_BPF_SYSCALL", _calls("bpf")),
    Feature("CONFIG_MODULES", _calls("init_module", "finit_module", "delete_module")),
    Feature("CONFIG_KEXEC", _calls("kexec_load")),
    Feature("CONFIG_KEYS", _calls("add_key", "request_key", "keyctl")),
    Feature("CONFIG_SECURITY_LANDLOCK", _calls("landlock_create_ruleset", "landlock_add_rule",
                                               "landlock_restrict_self")),
    Feature("CONFIG_NET", _calls("socket")),
    Feature("CONFIG_UNIX", _calls("socket", "socketpair")),  # AF_UNIX is the family the machine's sockets serve
    # The other families the machine's socket() makes (syscalls/socket.py's FAMILIES): TCP/UDP/raw IPv4 and
    # TCP/UDP IPv6 on lo (kernel/inet.py), AF_PACKET (kernel/af_packet.py) with its mmapped rings.
    Feature("CONFIG_INET", _calls("socket", "bind", "connect", "sendto", "recvfrom")),
    Feature("CONFIG_IPV6", _calls("socket", "bind", "connect", "sendto", "recvfrom")),
    Feature("CONFIG_PACKET", _calls("socket", "bind", "sendto", "recvfrom", "setsockopt", "mmap")),
    Feature("CONFIG_TUN", _calls("openat", "ioctl", "read", "write")),  # /dev/net/tun (kernel/tun.py)
    Feature("CONFIG_NAMESPACES", _calls("unshare", "setns")),
    # Each kind clone/unshare can make (kernel/nsproxy.py's BUILT_NAMESPACES), with the calls that make and join it.
    Feature("CONFIG_UTS_NS", _calls("unshare", "setns", "sethostname"), holds=_namespace(CLONE_NEWUTS)),
    Feature("CONFIG_IPC_NS", _calls("unshare", "setns", "shmget", "msgget", "semget", "mq_open"),
            holds=_namespace(CLONE_NEWIPC)),
    Feature("CONFIG_USER_NS", _calls("unshare", "setns", "getuid", "setuid", "setgroups"),
            holds=_namespace(CLONE_NEWUSER)),
    Feature("CONFIG_PID_NS", _calls("unshare", "setns", "clone", "getpid"), holds=_namespace(CLONE_NEWPID)),
    Feature("CONFIG_TIME_NS", _calls("unshare", "setns", "clock_gettime", "clock_nanosleep"),
            holds=_namespace(CLONE_NEWTIME)),
    Feature("CONFIG_NET_NS", _calls("unshare", "setns", "socket", "ioctl"), holds=_namespace(CLONE_NEWNET)),
    Feature("CONFIG_X86_IOPL_IOPERM", _calls("iopl", "ioperm")),
    Feature("CONFIG_MODIFY_LDT_SYSCALL", _calls("modify_ldt")),
    Feature("CONFIG_NUMA", _calls("set_mempolicy", "get_mempolicy", "mbind", "migrate_pages")),
    Feature("CONFIG_X86_USER_SHADOW_STACK", _calls("map_shadow_stack")),
)

#: Kernel checking the machine does not do (LTP counts these as slow kernels); also never "y".
NOT_BUILT: Final = (
    "CONFIG_PROVE_LOCKING", "CONFIG_LOCKDEP", "CONFIG_DEBUG_SPINLOCK", "CONFIG_DEBUG_RT_MUTEXES",
    "CONFIG_DEBUG_MUTEXES", "CONFIG_KASAN", "CONFIG_SLUB_RCU_DEBUG", "CONFIG_TRACE_IRQFLAGS", "CONFIG_DEBUG_NET",
    "CONFIG_EXT4_DEBUG", "CONFIG_QUOTA_DEBUG", "CONFIG_FAULT_INJECTION", "CONFIG_DEBUG_OBJECTS", "CONFIG_PREEMPT_RT",
)

# Values, not switches: what the machine's make fixes.
VALUES: Final = (
    ("CONFIG_PGTABLE_LEVELS", "4"),  # hw/paging.py: PML4, PDPT, PD, PT
    ("CONFIG_DEFAULT_HOSTNAME", '"syscalltbl"'),  # kernel/sysctl.py's hostname at boot
)


def claimed(feature: Feature, implemented: Collection[str], machine: Machine) -> bool:
    """Whether the machine has what `feature` stands for."""
    return all(call in implemented for call in feature.calls) and (feature.holds is None or feature.holds(machine))


def render_config(machine: Machine) -> bytes:
    """The .config text, Kconfig's layout: `CONFIG_X=y`, `# CONFIG_X is not set`, `CONFIG_X=value`."""
    implemented = {e.entry_point for e in machine.kernel.table if e.number >= 0} & machine.handlers.keys()
    release = OSRELEASE.decode().split("-", 1)[0]
    lines = ["#", "# Automatically generated file; DO NOT EDIT.", f"# Linux/x86_64 {release} Kernel Configuration", "#"]
    for feature in FEATURES:
        on = claimed(feature, implemented, machine)
        lines.append(f"{feature.option}=y" if on else f"# {feature.option} is not set")
    lines += [f"# {option} is not set" for option in NOT_BUILT]
    lines += [f"{option}={value}" for option, value in VALUES]
    return "\n".join(lines).encode() + b"\n"


def render_config_gz(machine: Machine) -> bytes:
    """/proc/config.gz: the text gzipped, with no time stamp, so every read of it is the same bytes."""
    import gzip  # here: only a read of /proc/config.gz needs it

    return gzip.compress(render_config(machine), mtime=0)
