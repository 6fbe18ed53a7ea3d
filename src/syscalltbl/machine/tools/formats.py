"""How --trace shows a scalar argument: a table per system call, beside one per parameter name and type.

Like gVisor's pkg/sentry/strace: `CALLS` names, per entry point, the
parameters that need more than their C type says (open's flags, mmap's prot,
prctl's option); `PARAMS` those that mean the same in every call (a dirfd,
a signal, clone's flags); everything else is shown by its prototype's type
(`by_type`). A formatter may decline (None) and leave the value to the next
rule. A few calls strace prints by rules of their own, naming arguments or
leaving out those the others make meaningless (futex's op decides which
follow; clone shows only the pointers its flags use): `ARGUMENTS` holds
those, each given a reader of user memory. All names come from machine/uapi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.uapi import (
    eventfd,
    eventpoll,
    fadvise,
    falloc,
    fcntl,
    futex,
    inotify,
    ipc,
    membarrier,
    misc,
    mman,
    msg,
    prctl,
    resource,
    sched,
    schedpolicy,
    sem,
    signal,
    splice,
    statx,
    time,
    timerfd,
    wait,
)
from syscalltbl.machine.uapi.structs import TIMESPEC

#: value -> text, or None to leave the value to the next rule.
Format = Callable[[int], str | None]

# Name tables, all derived from the UAPI modules (flags in ascending order, as strace prints them).
#: In strace's order (xlat/open_mode_flags.in): single bits up to O_PATH, then O_TMPFILE (which holds
#: O_DIRECTORY), __O_TMPFILE alone, and O_DIRECTORY last.
OPEN_FLAGS = (*((n, v) for n, v in uapi.constants(fcntl, "O_")
                if v & ~fcntl.O_ACCMODE and v.bit_count() == 1 and v not in (fcntl.O_DIRECTORY, fcntl.O_TMPFILE_BIT)),
              ("O_TMPFILE", fcntl.O_TMPFILE), ("__O_TMPFILE", fcntl.O_TMPFILE_BIT), ("O_DIRECTORY", fcntl.O_DIRECTORY))
PROT_FLAGS = tuple((n, v) for n, v in uapi.constants(mman, "PROT_") if v)
MAP_TYPES = {v: n for n, v in uapi.constants(mman, "MAP_") if 0 < v < mman.MAP_TYPE}
MAP_FLAGS = tuple((n, v) for n, v in uapi.constants(mman, "MAP_") if v > mman.MAP_TYPE)
CLONE_FLAGS = tuple(uapi.constants(sched, "CLONE_"))
SA_FLAGS = tuple(uapi.constants(signal, "SA_"))
SIGPROCMASK_HOW = {v: n for n, v in uapi.constants(signal, "SIG_") if n in ("SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK")}
PRCTL_OPTIONS = uapi.names(prctl, "PR_")
ARCH_PRCTL_OPTIONS = uapi.names(prctl, "ARCH_")
RLIMITS = {v: n for n, v in uapi.constants(resource, "RLIMIT_")}
FILE_TYPES = {v: n for n, v in uapi.constants(misc, "S_IF") if n != "S_IFMT"}
CLOCKS = {v: n for n, v in uapi.constants(time, "CLOCK_")}
WHENCE = uapi.names(fcntl, "SEEK_")
WAIT_OPTIONS = tuple(uapi.constants(wait, "W") + uapi.constants(wait, "__W"))
MADVICE = uapi.names(mman, "MADV_")
MSYNC_FLAGS = tuple(uapi.constants(mman, "MS_"))
MREMAP_FLAGS = tuple(uapi.constants(mman, "MREMAP_"))
MLOCKALL_FLAGS = tuple(uapi.constants(mman, "MCL_"))
MLOCK2_FLAGS = tuple(uapi.constants(mman, "MLOCK_"))
SHMGET_FLAGS = (("IPC_CREAT", ipc.IPC_CREAT), ("IPC_EXCL", ipc.IPC_EXCL), ("SHM_HUGETLB", ipc.SHM_HUGETLB),
                ("SHM_NORESERVE", ipc.SHM_NORESERVE))
SHMAT_FLAGS = (("SHM_RDONLY", ipc.SHM_RDONLY), ("SHM_RND", ipc.SHM_RND), ("SHM_REMAP", ipc.SHM_REMAP),
               ("SHM_EXEC", ipc.SHM_EXEC))
SHMCTL_CMDS = {v: n for n, v in uapi.constants(ipc, "IPC_") + uapi.constants(ipc, "SHM_") if v < 0o100}
IPC_IDS_CMDS = {v: n for n, v in uapi.constants(ipc, "IPC_") if v < 0o100}
MSGCTL_CMDS = {**IPC_IDS_CMDS, **{v: n for n, v in uapi.constants(msg, "MSG_") if v < 0o100}}
SEMCTL_CMDS = {**IPC_IDS_CMDS, **{v: n for n, v in uapi.constants(sem, "") if n.startswith(("GET", "SET", "SEM_"))
                                  and v < 0o100}}
IPCGET_FLAGS = (("IPC_CREAT", ipc.IPC_CREAT), ("IPC_EXCL", ipc.IPC_EXCL))
#: strace's xlat/ipc_msg_flags.in order.
MSG_FLAGS = (("MSG_NOERROR", msg.MSG_NOERROR), ("MSG_EXCEPT", msg.MSG_EXCEPT), ("MSG_COPY", msg.MSG_COPY),
             ("IPC_NOWAIT", ipc.IPC_NOWAIT))
SCHED_POLICIES = {v: n for n, v in uapi.constants(schedpolicy, "SCHED_") if n != "SCHED_RESET_ON_FORK"}
MEMBARRIER_CMDS = {v: n for n, v in uapi.constants(membarrier, "MEMBARRIER_CMD_") if "_FLAG_" not in n}
EPOLL_CTL_OPS = uapi.names(eventpoll, "EPOLL_CTL_")
EPOLL_EVENTS = tuple((n, v) for n, v in uapi.constants(eventpoll, "EPOLL")
                     if not n.startswith("EPOLL_") and v.bit_count() == 1)
EPOLL_CREATE_FLAGS = (("EPOLL_CLOEXEC", eventpoll.EPOLL_CLOEXEC),)
EFD_FLAGS = tuple((n, v) for n, v in uapi.constants(eventfd, "EFD_"))
TFD_FLAGS = (("TFD_CLOEXEC", timerfd.TFD_CLOEXEC), ("TFD_NONBLOCK", timerfd.TFD_NONBLOCK))
TFD_TIMER_FLAGS = tuple(uapi.constants(timerfd, "TFD_TIMER_"))
ACCESS_MODES = (("R_OK", fcntl.R_OK), ("W_OK", fcntl.W_OK), ("X_OK", fcntl.X_OK))
STAT_AT_FLAGS = (("AT_SYMLINK_NOFOLLOW", fcntl.AT_SYMLINK_NOFOLLOW), ("AT_EMPTY_PATH", fcntl.AT_EMPTY_PATH))
GRND_FLAGS = tuple(uapi.constants(misc, "GRND_"))

#: statx's mask as strace's xlat lists it: the two sets first, then each bit.
STATX_MASKS = (("STATX_ALL", statx.STATX_ALL), ("STATX_BASIC_STATS", statx.STATX_BASIC_STATS),
               *((n, v) for n, v in uapi.constants(statx, "STATX_")
                 if v.bit_count() == 1 and not n.startswith(("STATX_ATTR_", "STATX__"))))
STATX_ATTRS = tuple(uapi.constants(statx, "STATX_ATTR_"))
STATX_SYNC_TYPES = (("AT_STATX_FORCE_SYNC", statx.AT_STATX_FORCE_SYNC),
                    ("AT_STATX_DONT_SYNC", statx.AT_STATX_DONT_SYNC))
#: The *at() flags strace names, in its order.
AT_FLAG_NAMES = (("AT_SYMLINK_NOFOLLOW", fcntl.AT_SYMLINK_NOFOLLOW), ("AT_REMOVEDIR", fcntl.AT_REMOVEDIR),
            ("AT_SYMLINK_FOLLOW", fcntl.AT_SYMLINK_FOLLOW), ("AT_NO_AUTOMOUNT", statx.AT_NO_AUTOMOUNT),
            ("AT_EMPTY_PATH", fcntl.AT_EMPTY_PATH), ("AT_RECURSIVE", statx.AT_RECURSIVE))
FADVICE = uapi.names(fadvise, "POSIX_FADV_")
# issue 17, files: the inotify, fallocate and splice flags strace names
IN_EVENT_FLAGS = tuple((n, v) for n, v in uapi.constants(inotify, "IN_")
                       if n not in ("IN_ALL_EVENTS", "IN_USER_MASK", "IN_CLOEXEC", "IN_NONBLOCK"))
IN_INIT_FLAGS = (("IN_NONBLOCK", inotify.IN_NONBLOCK), ("IN_CLOEXEC", inotify.IN_CLOEXEC))
FALLOC_FLAGS = tuple((n, v) for n, v in uapi.constants(falloc, "FALLOC_FL_") if v and n != "FALLOC_FL_MODE_MASK")
SPLICE_FLAGS = tuple((n, v) for n, v in uapi.constants(splice, "SPLICE_F_") if n != "SPLICE_F_ALL")


def signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def bits(value: int, table: tuple[tuple[str, int], ...], names: list[str]) -> str:
    for name, bit in table:
        if value & bit:
            names.append(name)
            value &= ~bit
    if value or not names:
        names.append(hex(value))
    return "|".join(names)


def printflags(value: int, table: tuple[tuple[str, int], ...], unknown: str) -> str:
    """strace's printflags: each entry whose bits are all set, in the table's order, then what is left;
    a value of no known bit is hex with a comment (0x4 /* XATTR_??? */), 0 is 0."""
    if not value:
        return "0"
    names = []
    rest = value
    for name, bit in table:
        if bit and rest & bit == bit:
            names.append(name)
            rest &= ~bit
    if not names:
        return f"{value:#x} /* {unknown} */"
    return "|".join(names + ([hex(rest)] if rest else []))


def printxval(names: Mapping[int, str], unknown: str) -> Format:
    """An int that is one of `names` (fadvise's advice), else hex with a comment, as strace prints it."""
    def shown(value: int) -> str:
        value = signed(value, 32)
        name = names.get(value)
        return name if name is not None else f"{value & 0xFFFFFFFF:#x} /* {unknown} */"

    return shown


def statx_flags(value: int) -> str:
    """The sync type always (AT_STATX_SYNC_AS_STAT when 0), then the *at() flags."""
    value &= 0xFFFFFFFF
    sync = value & statx.AT_STATX_SYNC_TYPE
    shown = bits(sync, STATX_SYNC_TYPES, []) if sync else "AT_STATX_SYNC_AS_STAT"
    rest = value & ~statx.AT_STATX_SYNC_TYPE
    return shown + ("|" + bits(rest, AT_FLAG_NAMES, []) if rest else "")


def statx_mask(value: int) -> str:
    return printflags(value & 0xFFFFFFFF, STATX_MASKS, "STATX_???")


def signal_name(sig: int) -> str:
    """As strace names a signal: the real-time ones SIGRTMIN, then SIGRT_1 to SIGRT_32 (the kernel's numbering)."""
    if signal.SIGRTMIN < sig <= signal.NSIG:
        return f"SIGRT_{sig - signal.SIGRTMIN}"
    return signal.signal_name(sig) or str(sig)


def open_flags(value: int) -> str:
    value &= 0xFFFFFFFF
    names = [("O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE")[value & fcntl.O_ACCMODE]]
    rest = value & ~fcntl.O_ACCMODE
    for name, bit in OPEN_FLAGS:
        if rest & bit == bit:
            names.append(name)
            rest &= ~bit
    if rest:
        names.append(f"{rest:#o}")
    return "|".join(names)


def prot(value: int) -> str:
    return bits(value, PROT_FLAGS, []) if value else "PROT_NONE"


def map_flags(value: int) -> str:
    kind = MAP_TYPES.get(value & mman.MAP_TYPE)
    return bits(value & ~mman.MAP_TYPE if kind else value, MAP_FLAGS, [kind] if kind else [])


def clone_flags(value: int) -> str:
    names = [name for name, bit in CLONE_FLAGS if value & bit]
    rest = value & ~sched.CSIGNAL & ~sum(bit for _, bit in CLONE_FLAGS)
    if rest:
        names.append(hex(rest))
    if value & sched.CSIGNAL:
        names.append(signal_name(value & sched.CSIGNAL))
    return "|".join(names) or "0"


def dirfd(value: int) -> str | None:
    return "AT_FDCWD" if signed(value, 32) == fcntl.AT_FDCWD else None


def option(names: Mapping[int, str]) -> Format:
    return lambda value: names.get(value & 0xFFFFFFFF, str(signed(value, 32)))


def named(names: Mapping[int, str]) -> Format:
    """The value's name, or the type's default for a value without one."""
    return names.get


def prctl_argument(value: int) -> str:
    return hex(value) if value > 0xFFFF else str(value)  # pointers as often as numbers


def address(value: int) -> str:
    return hex(value) if value else "NULL"


def wait_options(value: int) -> str:
    return printflags(value & 0xFFFFFFFF, WAIT_OPTIONS, "W???")  # 0x100 /* W??? */ for no known flag


def mode(value: int) -> str:
    return f"0{value & 0o7777:o}" if value & 0o7777 else "0"


def flags(table: tuple[tuple[str, int], ...]) -> Format:
    """An int of flags by name, 0 as 0."""
    return lambda value: bits(value & 0xFFFFFFFF, table, []) if value & 0xFFFFFFFF else "0"


def strace_flags(table: tuple[tuple[str, int], ...], unknown: str) -> Format:
    """An int of flags by name as strace's printflags shows them (unknown bits as 0x... /* X_??? */), 0 as 0."""
    return lambda value: printflags(value & 0xFFFFFFFF, table, unknown) if value & 0xFFFFFFFF else "0"


def access_mode(value: int) -> str:
    value &= 0xFFFFFFFF
    return printflags(value, ACCESS_MODES, "?_OK") if value else "F_OK"


def ipc_key(value: int) -> str:
    return "IPC_PRIVATE" if value & 0xFFFFFFFF == ipc.IPC_PRIVATE else hex(value & 0xFFFFFFFF)


def ipcget_flags(table: tuple[tuple[str, int], ...]) -> Format:
    """The flags by name, then the permission bits: IPC_CREAT|0600."""
    def shown(value: int) -> str:
        value &= 0xFFFFFFFF
        names = [name for name, bit in table if value & bit]
        rest = value & ~sum(bit for _, bit in table) & ~0o777
        return "|".join(names + ([hex(rest)] if rest else []) + [f"0{value & 0o777:o}" if value & 0o777 else "0"])

    return shown


shmget_flags = ipcget_flags(SHMGET_FLAGS)


_PRCTL = {"option": option(PRCTL_OPTIONS), **dict.fromkeys(("arg2", "arg3", "arg4", "arg5"), prctl_argument)}
_ARCH_PRCTL = {"option": option(ARCH_PRCTL_OPTIONS), **dict.fromkeys(("arg2", "arg3", "arg4", "arg5"), prctl_argument)}

#: Entry point -> parameter -> format.
CALLS: Mapping[str, Mapping[str, Format]] = {
    "sys_open": {"flags": open_flags},
    "sys_openat": {"flags": open_flags},
    "sys_mmap": {"prot": prot, "flags": map_flags, "fd": lambda value: "-1" if signed(value, 32) == -1 else None,
                 "off": lambda value: unsigned_hex(value)},
    "sys_access": {"mode": access_mode},
    "sys_faccessat": {"mode": access_mode},
    "sys_newfstatat": {"flag": flags(STAT_AT_FLAGS)},
    "sys_getrandom": {"flags": flags(GRND_FLAGS)},
    "sys_mprotect": {"prot": prot},
    "sys_rt_sigprocmask": {"how": named(SIGPROCMASK_HOW)},
    "sys_prctl": _PRCTL,
    "sys_arch_prctl": _ARCH_PRCTL,
    "sys_wait4": {"options": wait_options},
    "sys_madvise": {"behavior": option(MADVICE)},
    "sys_msync": {"flags": flags(MSYNC_FLAGS)},
    "sys_mremap": {"flags": flags(MREMAP_FLAGS)},
    "sys_mlock2": {"flags": flags(MLOCK2_FLAGS)},
    "sys_mlockall": {"flags": flags(MLOCKALL_FLAGS)},
    "sys_shmget": {"key": ipc_key, "flag": shmget_flags},
    "sys_shmat": {"shmflg": flags(SHMAT_FLAGS)},
    "sys_shmctl": {"cmd": option(SHMCTL_CMDS)},
    "sys_msgget": {"key": ipc_key, "msgflg": ipcget_flags(IPCGET_FLAGS)},
    "sys_msgsnd": {"msgflg": flags(MSG_FLAGS)},
    "sys_msgrcv": {"msgflg": flags(MSG_FLAGS)},
    "sys_msgctl": {"cmd": printxval(MSGCTL_CMDS, "MSG_???")},
    "sys_semget": {"key": ipc_key, "semflg": ipcget_flags(IPCGET_FLAGS)},
    "sys_semctl": {"cmd": printxval(SEMCTL_CMDS, "SEM_???"), "arg": address},
    "sys_mq_open": {"oflag": open_flags},
    "sys_sched_get_priority_max": {"policy": option(SCHED_POLICIES)},
    "sys_sched_get_priority_min": {"policy": option(SCHED_POLICIES)},
    "sys_membarrier": {"cmd": option(MEMBARRIER_CMDS)},
    "sys_epoll_create1": {"flags": flags(EPOLL_CREATE_FLAGS)},
    "sys_epoll_ctl": {"op": option(EPOLL_CTL_OPS)},
    "sys_eventfd2": {"flags": flags(EFD_FLAGS)},
    "sys_timerfd_create": {"clockid": named(CLOCKS), "flags": flags(TFD_FLAGS)},
    "sys_timerfd_settime": {"flags": flags(TFD_TIMER_FLAGS)},
    "sys_statx": {"flags": statx_flags, "mask": statx_mask},
    "sys_fadvise64": {"advice": printxval(FADVICE, "POSIX_FADV_???")},
    "sys_futex_wake": {"mask": lambda value: _bitset(value), "flags": lambda value: futex2_flags(value)},
    "sys_futex_wait": {"mask": lambda value: _bitset(value), "flags": lambda value: futex2_flags(value)},
    "sys_inotify_init1": {"flags": strace_flags(IN_INIT_FLAGS, "IN_???")},
    "sys_inotify_add_watch": {"mask": strace_flags(IN_EVENT_FLAGS, "IN_???")},
    "sys_fallocate": {"mode": strace_flags(FALLOC_FLAGS, "FALLOC_FL_???")},
    **{name: {"flags": strace_flags(SPLICE_FLAGS, "SPLICE_F_???")}
       for name in ("sys_splice", "sys_tee", "sys_vmsplice")},
    "sys_open_by_handle_at": {"flags": open_flags},
}
#: (parameter, its type or None for any) -> format, in every call.
PARAMS: Mapping[tuple[str, str | None], Format] = {
    **dict.fromkeys((("dfd", None), ("olddfd", None), ("newdfd", None)), dirfd),
    ("sig", "int"): lambda value: signal_name(signed(value, 32)),
    ("resource", None): named(RLIMITS),
    ("clone_flags", None): clone_flags,
    **{(name, "unsigned long"): address for name in ("addr", "start", "brk", "newsp", "new_addr", "tls")},
    ("whence", None): named(WHENCE),
    ("mode", "umode_t"): mode,
}
#: C type -> format, in every call.
TYPES: Mapping[str, Format] = {
    "clockid_t": named(CLOCKS),
    # (uid_t)-1 and (gid_t)-1, "leave it" in the set*id and chown calls: strace's printuid shows -1.
    **dict.fromkeys(("uid_t", "gid_t"), lambda value: "-1" if value & 0xFFFFFFFF == 0xFFFFFFFF else None),
}


def scalar_format(entry_point: str, param: str, kind: str, value: int) -> str | None:
    """The table's text for one scalar argument, or None for the type's default."""
    for fmt in (
        CALLS.get(entry_point, {}).get(param),
        PARAMS.get((param, kind)),
        PARAMS.get((param, None)),
        TYPES.get(kind),
    ):
        if fmt is not None and (shown := fmt(value)) is not None:
            return shown
    return None


# -- Calls strace prints by rules of their own: the whole argument list at once. --

#: Reads user memory for an argument list: (address, size) -> the bytes, or None where it faults.
Reader = Callable[[int, int], bytes | None]
#: (read, the six arguments, the result) -> the text between the parentheses.
Arguments = Callable[[Reader, tuple[int, ...], int], str]

_FUTEX_CMDS = {v: n for n, v in uapi.constants(futex, "FUTEX_")
               if 0 <= v <= futex.FUTEX_LOCK_PI2 and not n.startswith("FUTEX_OP_")}
#: Every op value strace names (its xlat/futexops.in): each command, its _PRIVATE form, and
#: FUTEX_CLOCK_REALTIME with the waits that take it.
FUTEX_OPS: Mapping[int, str] = {
    **_FUTEX_CMDS,
    **{cmd | futex.FUTEX_PRIVATE_FLAG: f"{name}_PRIVATE" if cmd != futex.FUTEX_FD else "FUTEX_FD|FUTEX_PRIVATE_FLAG"
       for cmd, name in _FUTEX_CMDS.items()},
    **{cmd | private | futex.FUTEX_CLOCK_REALTIME:
       f"{_FUTEX_CMDS[cmd]}{'_PRIVATE' if private else ''}|FUTEX_CLOCK_REALTIME"
       for cmd in (futex.FUTEX_WAIT, futex.FUTEX_WAIT_BITSET, futex.FUTEX_WAIT_REQUEUE_PI)
       for private in (0, futex.FUTEX_PRIVATE_FLAG)},
}  # fmt: skip
FUTEX_WAKE_OPS = {v: n for n, v in uapi.constants(futex, "FUTEX_OP_") if n in
                  ("FUTEX_OP_SET", "FUTEX_OP_ADD", "FUTEX_OP_OR", "FUTEX_OP_ANDN", "FUTEX_OP_XOR")}
FUTEX_WAKE_CMPS = {v: n for n, v in uapi.constants(futex, "FUTEX_OP_CMP_")}


def unsigned_hex(value: int) -> str:
    return hex(value) if value else "0"


def _timespec(read: Reader, addr: int) -> str:
    if not addr:
        return "NULL"
    data = read(addr, TIMESPEC.size)
    if data is None:
        return hex(addr)
    sec, nsec = TIMESPEC.unpack(data)
    return f"{{tv_sec={sec}, tv_nsec={nsec}}}"


def _bitset(value: int) -> str:
    return "FUTEX_BITSET_MATCH_ANY" if value == futex.FUTEX_BITSET_MATCH_ANY else unsigned_hex(value)


def _named_shift(names: Mapping[int, str], value: int, shift: int, unknown: str) -> str:
    name = names.get(value)
    return f"{name}<<{shift}" if name else f"{unsigned_hex(value)}<<{shift} /* {unknown} */"


def futex_wake_op(val3: int) -> str:
    """WAKE_OP's encoded operation as strace spells it: FUTEX_OP_ADD<<28|0x1<<12|FUTEX_OP_CMP_GT<<24|0."""
    parts = ["FUTEX_OP_OPARG_SHIFT<<28"] if val3 >> 28 & futex.FUTEX_OP_OPARG_SHIFT else []
    parts.append(_named_shift(FUTEX_WAKE_OPS, val3 >> 28 & 7, 28, "FUTEX_OP_???"))
    parts.append(f"{unsigned_hex(val3 >> 12 & 0xFFF)}<<12")
    parts.append(_named_shift(FUTEX_WAKE_CMPS, val3 >> 24 & 0xF, 24, "FUTEX_OP_CMP_???"))
    parts.append(unsigned_hex(val3 & 0xFFF))
    return "|".join(parts)


def futex_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    """futex(uaddr, op, ...): only the arguments `op` uses, as strace's futex.c prints them."""
    uaddr, op, val, utime, uaddr2, val3 = args
    op &= 0xFFFFFFFF
    cmd = op & 127
    val, val2, val3 = val & 0xFFFFFFFF, utime & 0xFFFFFFFF, val3 & 0xFFFFFFFF
    name = FUTEX_OPS.get(op, f"{op:#x} /* FUTEX_??? */")
    shown = [address(uaddr), name]
    timeout = _timespec(read, utime)
    if cmd == futex.FUTEX_WAIT:
        shown += [str(val), timeout]
    elif cmd in (futex.FUTEX_LOCK_PI, futex.FUTEX_LOCK_PI2):
        shown += [timeout]
    elif cmd == futex.FUTEX_WAIT_BITSET:
        shown += [str(val), timeout, _bitset(val3)]
    elif cmd == futex.FUTEX_WAKE_BITSET:
        shown += [str(val), _bitset(val3)]
    elif cmd == futex.FUTEX_REQUEUE:
        shown += [str(val), str(val2), address(uaddr2)]
    elif cmd in (futex.FUTEX_CMP_REQUEUE, futex.FUTEX_CMP_REQUEUE_PI):
        shown += [str(val), str(val2), address(uaddr2), str(val3)]
    elif cmd == futex.FUTEX_WAKE_OP:
        shown += [str(val), str(val2), address(uaddr2), futex_wake_op(val3)]
    elif cmd == futex.FUTEX_WAIT_REQUEUE_PI:
        shown += [str(val), timeout, address(uaddr2)]
    elif cmd in (futex.FUTEX_FD, futex.FUTEX_WAKE):
        shown += [str(val)]
    elif cmd not in (futex.FUTEX_UNLOCK_PI, futex.FUTEX_TRYLOCK_PI):
        shown += [str(val), address(utime), address(uaddr2), unsigned_hex(val3)]
    return ", ".join(shown)


def clone_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    """clone as strace prints it on x86-64: named arguments, and only the pointers the flags use."""
    value, newsp, parent_tid, child_tid, tls = args[:5]
    flags, sig = value & ~sched.CSIGNAL, value & sched.CSIGNAL
    if flags:
        shown_flags = bits(flags, CLONE_FLAGS, []) + (f"|{signal_name(sig)}" if sig else "")
    else:
        shown_flags = signal_name(sig) if sig else "0"
    shown = [f"child_stack={address(newsp)}", f"flags={shown_flags}"]
    if flags & (sched.CLONE_PARENT_SETTID | sched.CLONE_PIDFD):
        data = read(parent_tid, 4) if parent_tid and ret >= 0 else None
        number = int.from_bytes(data, "little") if data is not None else None
        if flags & sched.CLONE_PIDFD:
            number = signed(number, 32) if number is not None else None  # a descriptor
        shown.append(f"parent_tid={address(parent_tid) if number is None else f'[{number}]'}")
    if flags & sched.CLONE_SETTLS:
        shown.append(f"tls={address(tls)}")
    if flags & (sched.CLONE_CHILD_SETTID | sched.CLONE_CHILD_CLEARTID):
        shown.append(f"child_tidptr={address(child_tid)}")
    return ", ".join(shown)


FUTEX2_FLAGS = (("FUTEX_32", futex.FUTEX2_SIZE_U32), ("FUTEX_PRIVATE_FLAG", futex.FUTEX2_PRIVATE))
ARRAY_LIMIT = 32  # strace's -s limits arrays too: then `...`


def futex2_flags(value: int) -> str:
    names = [name for name, bit in FUTEX2_FLAGS if value & bit == bit]
    rest = value & ~sum(bit for name, bit in FUTEX2_FLAGS if name in names)
    if not names:
        return f"{value:#x} /* FUTEX_??? */" if value else "0"
    return "|".join(names + ([hex(rest)] if rest else []))


def futex_waitv_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    """futex_waitv(waiters, nr_futexes, flags, timeout, clockid): the vector as strace prints it."""
    waiters, count, flags, timeout, clockid = args[0], args[1] & 0xFFFFFFFF, args[2] & 0xFFFFFFFF, args[3], args[4]
    vector = "NULL" if not waiters else "[]" if not count else ""
    entries = []
    for i in range(min(count, ARRAY_LIMIT + 1) if waiters else 0):
        data = read(waiters + i * futex.FUTEX_WAITV.size, futex.FUTEX_WAITV.size)
        if data is None:
            if not i:
                vector = hex(waiters)
            else:
                entries.append(f"... /* {waiters + i * futex.FUTEX_WAITV.size:#x} */")
            break
        if i == ARRAY_LIMIT:
            entries.append("...")
            break
        val, uaddr, fflags, reserved = futex.FUTEX_WAITV.unpack(data)
        entry = f"{{val={unsigned_hex(val)}, uaddr={address(uaddr)}, flags={futex2_flags(fflags)}"
        entries.append(entry + (f", __reserved={reserved:#x}}}" if reserved else "}"))
    if not vector:
        vector = "[" + ", ".join(entries) + "]"
    clock = CLOCKS.get(signed(clockid, 32), str(signed(clockid, 32)))
    return f"{vector}, {count}, {unsigned_hex(flags)}, {_timespec(read, timeout)}, {clock}"


def get_robust_list_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    """get_robust_list(pid, [head], [len]): what it stored, once it succeeded."""
    def stored(addr: int) -> str:
        data = read(addr, 8) if ret == 0 and addr else None
        if data is None:
            return address(addr)
        return f"[{int.from_bytes(data, 'little')}]"

    shown = stored(args[1])
    head = shown if not shown.startswith("[") else f"[{int(shown[1:-1]):#x}]"
    return f"{signed(args[0], 32)}, {head}, {stored(args[2])}"


#: Entry point -> how its whole argument list is shown.
ARGUMENTS: Mapping[str, Arguments] = {
    "sys_futex": futex_arguments, "sys_futex_waitv": futex_waitv_arguments, "sys_clone": clone_arguments,
    "sys_get_robust_list": get_robust_list_arguments,
}  # fmt: skip
