"""--trace lines of the timer, resource-usage and waitid calls, as strace 6.1 prints them.

    setitimer(ITIMER_REAL, {it_interval={tv_sec=0, tv_usec=20000}, it_value={tv_sec=0, tv_usec=20000}}, NULL) = 0
    timer_create(CLOCK_MONOTONIC, {sigev_value={sival_int=42, sival_ptr=0x2a}, sigev_signo=SIGRT_3,
                 sigev_notify=SIGEV_SIGNAL}, [0]) = 0
    times({tms_utime=6 /* 0.06 s */, tms_stime=1 /* 0.01 s */, tms_cutime=5 /* 0.05 s */, ...}) = 1722059390
    waitid(P_PID, 1234, {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1234, si_uid=0, si_status=7, ...},
           WEXITED, NULL) = 0

A structure the kernel fills shows once the call succeeded, else its
address; one it reads shows always (its address when it faults).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.tools.formats import CLOCKS, Arguments, Reader, address, printflags, signal_name, signed
from syscalltbl.machine.uapi import signal, timers, wait
from syscalltbl.machine.uapi.time import CLK_TCK
from syscalltbl.machine.uapi.timers import ITIMERSPEC, ITIMERVAL, RUSAGE, SIGEVENT, TMS

ITIMERS = uapi.names(timers, "ITIMER_")
RUSAGE_WHO = {**uapi.names(timers, "RUSAGE_"), -2: "RUSAGE_BOTH"}
SIGEV_NOTIFY = uapi.names(timers, "SIGEV_")
IDTYPES = uapi.names(timers, "P_")
WAITID_OPTIONS = (("WNOHANG", wait.WNOHANG), ("WSTOPPED", timers.WSTOPPED), ("WEXITED", timers.WEXITED),
                  ("WCONTINUED", wait.WCONTINUED), ("WNOWAIT", timers.WNOWAIT), ("__WNOTHREAD", wait.__WNOTHREAD),
                  ("__WALL", wait.__WALL), ("__WCLONE", wait.__WCLONE))  # fmt: skip
CLD_CODES = uapi.names(signal, "CLD_")
SI_CODES = uapi.names(signal, "SI_")
TIMER_FLAGS = (("TIMER_ABSTIME", 1),)


def xval(names: Mapping[int, str], value: int, unknown: str) -> str:
    """A named int, else hex with strace's comment."""
    value = signed(value, 32)
    name = names.get(value)
    return name if name is not None else f"{value & 0xFFFFFFFF:#x} /* {unknown} */"


def _clock(value: int) -> str:
    return xval(CLOCKS, value, "CLOCK_???")


def _interval_and_value(read: Reader, addr: int, layout: struct.Struct, fraction: str) -> str:
    """An itimerval (`fraction` tv_usec) or itimerspec (tv_nsec): its interval, then its value."""
    data = read(addr, layout.size) if addr else None
    if data is None:
        return address(addr)
    isec, ifrac, vsec, vfrac = layout.unpack(data)
    return (f"{{it_interval={{tv_sec={isec}, {fraction}={ifrac}}}, "
            f"it_value={{tv_sec={vsec}, {fraction}={vfrac}}}}}")


def _itimerval(read: Reader, addr: int) -> str:
    return _interval_and_value(read, addr, ITIMERVAL, "tv_usec")


def itimerspec(read: Reader, addr: int) -> str:
    return _interval_and_value(read, addr, ITIMERSPEC, "tv_nsec")


def rusage(read: Reader, addr: int) -> str:
    """strace's abbreviated struct rusage: the two times, then `...`."""
    data = read(addr, RUSAGE.size) if addr else None
    if data is None:
        return address(addr)
    us, uu, ss, su = RUSAGE.unpack(data)[:4]
    return f"{{ru_utime={{tv_sec={us}, tv_usec={uu}}}, ru_stime={{tv_sec={ss}, tv_usec={su}}}, ...}}"


def _sigevent(read: Reader, addr: int) -> str:
    data = read(addr, SIGEVENT.size) if addr else None
    if data is None:
        return address(addr)
    value, signo, notify, tid = SIGEVENT.unpack(data)
    (function, attributes) = struct.unpack_from("<QQ", data, 16)
    parts = [f"sigev_value={{sival_int={signed(value, 32)}, sival_ptr={value:#x}}}"] if value else []
    known_signal = notify in (timers.SIGEV_SIGNAL, timers.SIGEV_THREAD, timers.SIGEV_THREAD_ID)
    parts.append(f"sigev_signo={signal_name(signo) if known_signal else signo & 0xFFFFFFFF}")
    parts.append(f"sigev_notify={xval(SIGEV_NOTIFY, notify, 'SIGEV_???')}")
    if notify == timers.SIGEV_THREAD_ID:
        parts.append(f"sigev_notify_thread_id={tid}")
    elif notify == timers.SIGEV_THREAD:
        parts.append(f"sigev_notify_function={address(function)}, sigev_notify_attributes={address(attributes)}")
    return "{" + ", ".join(parts) + "}"


def timer_siginfo(info: bytes) -> str:
    """A timer's siginfo (SI_TIMER): si_timerid, si_overrun, and si_value as si_int and si_ptr."""
    signo, _errno, _code, timerid, overrun, value = struct.unpack_from("<iii4xiiQ", info)
    return (f"{{si_signo={signal_name(signo)}, si_code=SI_TIMER, si_timerid={timerid:#x}, si_overrun={overrun}, "
            f"si_int={signed(value, 32)}, si_ptr={address(value)}}}")


def clock_t(ticks: int) -> str:
    """A clock_t in USER_HZ ticks, with the seconds as strace's comment; 0 alone."""
    return f"{ticks} /* {ticks // CLK_TCK}.{ticks % CLK_TCK:02d} s */" if ticks else "0"


def getitimer_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    shown = _itimerval(read, args[1]) if ret == 0 else address(args[1])
    return f"{xval(ITIMERS, args[0], 'ITIMER_???')}, {shown}"


def setitimer_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    old = _itimerval(read, args[2]) if ret == 0 else address(args[2])
    return f"{xval(ITIMERS, args[0], 'ITIMER_???')}, {_itimerval(read, args[1])}, {old}"


def alarm_arguments(_read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return str(args[0] & 0xFFFFFFFF)


def timer_create_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    created = read(args[2], 4) if ret == 0 and args[2] else None
    shown = f"[{struct.unpack('<i', created)[0]}]" if created is not None else address(args[2])
    return f"{_clock(args[0])}, {_sigevent(read, args[1])}, {shown}"


def timer_settime_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    old = itimerspec(read, args[3]) if ret == 0 else address(args[3])
    flags = printflags(args[1] & 0xFFFFFFFF, TIMER_FLAGS, "TIMER_???")
    return f"{signed(args[0], 32)}, {flags}, {itimerspec(read, args[2])}, {old}"


def timer_gettime_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return f"{signed(args[0], 32)}, {itimerspec(read, args[1]) if ret == 0 else address(args[1])}"


def timer_id_argument(_read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return str(signed(args[0], 32))


def getrusage_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return f"{xval(RUSAGE_WHO, args[0], 'RUSAGE_???')}, {rusage(read, args[1]) if ret == 0 else address(args[1])}"


def times_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    data = read(args[0], TMS.size) if args[0] and ret >= 0 else None
    if data is None:
        return address(args[0])
    utime, stime, cutime, cstime = TMS.unpack(data)
    return (f"{{tms_utime={clock_t(utime)}, tms_stime={clock_t(stime)}, tms_cutime={clock_t(cutime)}, "
            f"tms_cstime={clock_t(cstime)}}}")


def _waitid_info(read: Reader, addr: int, ret: int) -> str:
    data = read(addr, 48) if addr and ret == 0 else None
    if data is None:
        return address(addr)
    signo, _errno, code, pid, uid, status = struct.unpack_from("<iii4xiIi", data)
    if not signo:
        return "{}"
    utime, stime = struct.unpack_from("<QQ", data, 32)
    cld = CLD_CODES.get(code, str(code))
    value = str(status) if code == signal.CLD_EXITED else signal_name(status)
    return (f"{{si_signo={signal_name(signo)}, si_code={cld}, si_pid={pid}, si_uid={uid}, si_status={value}, "
            f"si_utime={clock_t(utime)}, si_stime={clock_t(stime)}}}")


def waitid_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    which, upid, infop, options, ru = args[:5]
    info = _waitid_info(read, infop, ret)
    usage = rusage(read, ru) if ret == 0 and ru else address(ru)
    shown_options = printflags(options & 0xFFFFFFFF, WAITID_OPTIONS, "W???")
    return f"{xval(IDTYPES, which, 'P_???')}, {signed(upid, 32)}, {info}, {shown_options}, {usage}"


#: Entry point -> how its argument list is shown.
TIMER_ARGUMENTS: Mapping[str, Arguments] = {
    "sys_alarm": alarm_arguments, "sys_getitimer": getitimer_arguments, "sys_setitimer": setitimer_arguments,
    "sys_timer_create": timer_create_arguments, "sys_timer_settime": timer_settime_arguments,
    "sys_timer_gettime": timer_gettime_arguments, "sys_timer_getoverrun": timer_id_argument,
    "sys_timer_delete": timer_id_argument, "sys_getrusage": getrusage_arguments, "sys_times": times_arguments,
    "sys_waitid": waitid_arguments,
}  # fmt: skip
