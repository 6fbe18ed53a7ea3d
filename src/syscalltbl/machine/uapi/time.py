"""Clocks (include/uapi/linux/time.h)."""

from __future__ import annotations

from typing import Final

CLOCK_REALTIME: Final = 0
CLOCK_MONOTONIC: Final = 1
CLOCK_PROCESS_CPUTIME_ID: Final = 2
CLOCK_THREAD_CPUTIME_ID: Final = 3
CLOCK_MONOTONIC_RAW: Final = 4
CLOCK_REALTIME_COARSE: Final = 5
CLOCK_MONOTONIC_COARSE: Final = 6
CLOCK_BOOTTIME: Final = 7
CLOCK_TAI: Final = 11
TIMER_ABSTIME: Final = 1
NSEC_PER_SEC: Final = 1_000_000_000
#: USER_HZ: what times() and /proc count in.
CLK_TCK: Final = 100
