"""How --trace shows a scalar argument: a table per system call, beside one per parameter name and type.

Like gVisor's pkg/sentry/strace: `CALLS` names, per entry point, the
parameters that need more than their C type says (open's flags, mmap's prot,
prctl's option); `PARAMS` those that mean the same in every call (a dirfd,
a signal, clone's flags); everything else is shown by its prototype's type
(`by_type`). A formatter may decline (None) and leave the value to the next
rule. All names come from machine/uapi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.uapi import fcntl, misc, mman, prctl, resource, sched, signal, time, wait

#: value -> text, or None to leave the value to the next rule.
Format = Callable[[int], str | None]

# Name tables, all derived from the UAPI modules (flags in ascending order, as strace prints them).
OPEN_FLAGS = tuple((n, v) for n, v in uapi.constants(fcntl, "O_") if v & ~fcntl.O_ACCMODE)
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


def signal_name(sig: int) -> str:
    return signal.signal_name(sig) or str(sig)


def open_flags(value: int) -> str:
    value &= 0xFFFFFFFF
    names = [("O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE")[value & fcntl.O_ACCMODE]]
    rest = value & ~fcntl.O_ACCMODE
    for name, bit in OPEN_FLAGS:
        if rest & bit:
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
    value &= 0xFFFFFFFF
    return bits(value, WAIT_OPTIONS, []) if value else "0"


def mode(value: int) -> str:
    return f"0{value & 0o7777:o}" if value & 0o7777 else "0"


_PRCTL = {"option": option(PRCTL_OPTIONS), **dict.fromkeys(("arg2", "arg3", "arg4", "arg5"), prctl_argument)}
_ARCH_PRCTL = {"option": option(ARCH_PRCTL_OPTIONS), **dict.fromkeys(("arg2", "arg3", "arg4", "arg5"), prctl_argument)}

#: Entry point -> parameter -> format.
CALLS: Mapping[str, Mapping[str, Format]] = {
    "sys_open": {"flags": open_flags},
    "sys_openat": {"flags": open_flags},
    "sys_mmap": {"prot": prot, "flags": map_flags, "fd": lambda value: "-1" if signed(value, 32) == -1 else None},
    "sys_mprotect": {"prot": prot},
    "sys_rt_sigprocmask": {"how": named(SIGPROCMASK_HOW)},
    "sys_prctl": _PRCTL,
    "sys_arch_prctl": _ARCH_PRCTL,
    "sys_wait4": {"options": wait_options},
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
TYPES: Mapping[str, Format] = {"clockid_t": named(CLOCKS)}


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
