"""Interval timers, POSIX timers, resource usage and waitid (include/uapi/linux/time.h, asm-generic/siginfo.h,
linux/resource.h, linux/times.h, linux/wait.h): their numbers and struct layouts."""

from __future__ import annotations

import struct
from typing import Final

from syscalltbl.machine.uapi.timerfd import ITIMERSPEC as ITIMERSPEC  # timerfd_settime's layout, the timers' too

ITIMER_REAL: Final = 0
ITIMER_VIRTUAL: Final = 1
ITIMER_PROF: Final = 2
#: struct __kernel_old_itimerval: it_interval (sec, usec), it_value (sec, usec).
ITIMERVAL: Final = struct.Struct("<qqqq")

SIGEV_SIGNAL: Final = 0
SIGEV_NONE: Final = 1
SIGEV_THREAD: Final = 2
SIGEV_THREAD_ID: Final = 4
#: struct sigevent (64 bytes): sigev_value, sigev_signo, sigev_notify, then the union (_tid first).
SIGEVENT: Final = struct.Struct("<Qiii44x")
SI_TIMER: Final = -2

RUSAGE_SELF: Final = 0
RUSAGE_CHILDREN: Final = -1
RUSAGE_THREAD: Final = 1
#: struct rusage: ru_utime, ru_stime (timevals), then 14 longs (maxrss, ixrss, idrss, isrss, minflt, majflt,
#: nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw).
RUSAGE: Final = struct.Struct("<qqqq14q")
#: struct tms: tms_utime, tms_stime, tms_cutime, tms_cstime (clock_t, in USER_HZ ticks).
TMS: Final = struct.Struct("<qqqq")

P_ALL: Final = 0
P_PID: Final = 1
P_PGID: Final = 2
P_PIDFD: Final = 3
WSTOPPED: Final = 2
WEXITED: Final = 4
WNOWAIT: Final = 0x01000000
