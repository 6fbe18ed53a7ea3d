"""timerfd flags (include/uapi/linux/timerfd.h), the alarm clocks (include/uapi/linux/time.h), struct itimerspec."""

from __future__ import annotations

import struct
from typing import Final

from syscalltbl.machine.uapi.fcntl import O_CLOEXEC, O_NONBLOCK

TFD_TIMER_ABSTIME: Final = 1 << 0
TFD_TIMER_CANCEL_ON_SET: Final = 1 << 1
TFD_CLOEXEC: Final = O_CLOEXEC
TFD_NONBLOCK: Final = O_NONBLOCK

CLOCK_REALTIME_ALARM: Final = 8
CLOCK_BOOTTIME_ALARM: Final = 9

#: struct __kernel_itimerspec: it_interval, then it_value, each a struct __kernel_timespec.
ITIMERSPEC: Final = struct.Struct("<qqqq")
