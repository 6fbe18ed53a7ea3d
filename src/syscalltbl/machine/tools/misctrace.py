"""--trace lines of the time-setting, process-attribute and scheduling-policy calls, as strace prints them.

    adjtimex({modes=0, offset=0, freq=0, maxerror=16000000, esterror=16000000, status=STA_UNSYNC, constant=2,
             precision=1, tolerance=32768000, time={tv_sec=1796588366, tv_usec=394062}, tick=10000, ppsfreq=0,
             jitter=0, shift=0, stabil=0, jitcnt=0, calcnt=0, errcnt=0, stbcnt=0, tai=0}) = 5 (TIME_ERROR)
    personality(PER_LINUX|ADDR_NO_RANDOMIZE) = 0 (PER_LINUX)
    ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 3)) = 0
    sched_setscheduler(0, SCHED_FIFO, [10]) = 0

A struct timex shows once the call succeeded (the kernel writes it back), else its address, as strace does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.tools.formats import (
    CLOCKS,
    SCHED_POLICIES,
    Arguments,
    Reader,
    address,
    printflags,
    signed,
)
from syscalltbl.machine.tools.timertrace import xval
from syscalltbl.machine.uapi import ioprio, kcmp, personality, timex
from syscalltbl.machine.uapi.timex import TIMEX

TIME_STATES = uapi.names(timex, "TIME_")
STATUS_BITS = tuple((n, v) for n, v in uapi.constants(timex, "STA_") if n != "STA_RONLY")
MODES = tuple((n, v) for n, v in uapi.constants(timex, "ADJ_")
              if n not in ("ADJ_OFFSET_SINGLESHOT", "ADJ_OFFSET_SS_READ", "ADJ_OFFSET_READONLY"))  # fmt: skip
PERSONALITY_FLAGS = tuple((n, v) for n, v in uapi.constants(personality, "")
                          if v and n not in ("PER_LINUX", "PER_QUERY"))  # fmt: skip
IOPRIO_WHO = uapi.names(ioprio, "IOPRIO_WHO_")
IOPRIO_CLASSES = {v: n for n, v in uapi.constants(ioprio, "IOPRIO_CLASS_") if n not in ("IOPRIO_CLASS_SHIFT",
                                                                                     "IOPRIO_CLASS_MASK")}
#: strace's names of the policies: SCHED_OTHER for 0, and SCHED_ISO (4, never merged into Linux) as it knows it.
POLICY_NAMES = {**SCHED_POLICIES, 0: "SCHED_OTHER", 4: "SCHED_ISO"}
KCMP_NAMES = {v: n for n, v in uapi.constants(kcmp, "KCMP_") if n != "KCMP_TYPES"}


def _modes(value: int) -> str:
    if value == timex.ADJ_OFFSET_SS_READ:
        return "ADJ_OFFSET_SS_READ"
    if value == timex.ADJ_OFFSET_SINGLESHOT:
        return "ADJ_OFFSET_SINGLESHOT"
    return printflags(value, MODES, "ADJ_???")


def _timex(read: Reader, addr: int, ret: int) -> str:
    data = read(addr, TIMEX.size) if addr and not -4095 <= ret < 0 else None
    if data is None:
        return address(addr)
    (modes, offset, freq, maxerror, esterror, status, constant, precision, tolerance, sec, usec, tick, ppsfreq,
     jitter, shift, stabil, jitcnt, calcnt, errcnt, stbcnt, tai) = TIMEX.unpack(data)
    return (f"{{modes={_modes(modes)}, offset={offset}, freq={freq}, maxerror={maxerror}, esterror={esterror}, "
            f"status={printflags(status & 0xFFFFFFFF, STATUS_BITS, 'STA_???')}, constant={constant}, "
            f"precision={precision}, tolerance={tolerance}, time={{tv_sec={sec}, tv_usec={usec}}}, tick={tick}, "
            f"ppsfreq={ppsfreq}, jitter={jitter}, shift={shift}, stabil={stabil}, jitcnt={jitcnt}, "
            f"calcnt={calcnt}, errcnt={errcnt}, stbcnt={stbcnt}, tai={tai}}}")


def adjtimex_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _timex(read, args[0], ret)


def clock_adjtime_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return f"{xval(CLOCKS, args[0], 'CLOCK_???')}, {_timex(read, args[1], ret)}"


def personality_text(value: int) -> str:
    """PER_LINUX and its flags, as strace spells a persona."""
    value &= 0xFFFFFFFF
    if value == personality.PER_QUERY:
        return "0xffffffff"
    flags = printflags(value & ~0xFF, PERSONALITY_FLAGS, "???")
    base = "PER_LINUX" if value & 0xFF == 0 else hex(value & 0xFF)
    return base if value & ~0xFF == 0 else f"{base}|{flags}"


def personality_arguments(_read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return personality_text(args[0])


def ioprio_text(value: int) -> str:
    value = signed(value, 32)
    klass = (value >> ioprio.IOPRIO_CLASS_SHIFT) & ioprio.IOPRIO_CLASS_MASK
    data = value & ioprio.IOPRIO_PRIO_MASK
    return f"IOPRIO_PRIO_VALUE({xval(IOPRIO_CLASSES, klass, 'IOPRIO_CLASS_???')}, {data})"


def ioprio_set_arguments(_read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{xval(IOPRIO_WHO, args[0], 'IOPRIO_WHO_???')}, {signed(args[1], 32)}, {ioprio_text(args[2])}"


def ioprio_get_arguments(_read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{xval(IOPRIO_WHO, args[0], 'IOPRIO_WHO_???')}, {signed(args[1], 32)}"


def kcmp_arguments(_read: Reader, args: tuple[int, ...], _ret: int) -> str:
    pid1, pid2, kind = (signed(a, 32) for a in args[:3])
    return f"{pid1}, {pid2}, {xval(KCMP_NAMES, kind, 'KCMP_???')}, {args[3]}, {args[4]}"


def _policy(value: int) -> str:
    """A policy by name; strace spells one with SCHED_RESET_ON_FORK or'ed in as an unknown one."""
    return xval(POLICY_NAMES, value, "SCHED_???")


def _policy_result(ret: int) -> str:
    name = POLICY_NAMES.get(ret)
    return f"{ret} ({name})" if name is not None else str(ret)


def _param(read: Reader, addr: int) -> str:
    data = read(addr, 4) if addr else None
    return address(addr) if data is None else f"[{signed(int.from_bytes(data, 'little'), 32)}]"


def sched_setscheduler_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{signed(args[0], 32)}, {_policy(args[1])}, {_param(read, args[2])}"


def sched_setparam_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{signed(args[0], 32)}, {_param(read, args[1])}"


def sched_getparam_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    shown = _param(read, args[1]) if ret == 0 else address(args[1])
    return f"{signed(args[0], 32)}, {shown}"


#: Entry point -> how its argument list is shown.
MISC_ARGUMENTS: Mapping[str, Arguments] = {
    "sys_adjtimex": adjtimex_arguments, "sys_clock_adjtime": clock_adjtime_arguments,
    "sys_personality": personality_arguments, "sys_ioprio_set": ioprio_set_arguments,
    "sys_ioprio_get": ioprio_get_arguments, "sys_kcmp": kcmp_arguments,
    "sys_sched_setscheduler": sched_setscheduler_arguments, "sys_sched_setparam": sched_setparam_arguments,
    "sys_sched_getparam": sched_getparam_arguments,
}  # fmt: skip


def _personality_result(ret: int) -> str:
    return f"{ret:#x} ({personality_text(ret)})" if ret else f"0 ({personality_text(0)})"


#: Entry point -> how a successful result is shown (strace's decoded return values).
MISC_RESULTS: Mapping[str, Callable[[int], str]] = {
    "sys_adjtimex": lambda ret: f"{ret} ({xval(TIME_STATES, ret, 'TIME_???')})",
    "sys_clock_adjtime": lambda ret: f"{ret} ({xval(TIME_STATES, ret, 'TIME_???')})",
    "sys_personality": _personality_result,
    "sys_ioprio_get": lambda ret: f"{ret} ({ioprio_text(ret)})",
    "sys_sched_getscheduler": _policy_result,
}  # fmt: skip
