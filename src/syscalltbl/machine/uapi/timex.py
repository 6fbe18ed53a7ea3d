"""adjtimex and clock_adjtime (include/uapi/linux/timex.h): struct timex, its modes, status bits and states."""

from __future__ import annotations

import struct
from typing import Final

#: struct timex (x86-64, 208 bytes): modes, offset, freq, maxerror, esterror, status, constant, precision,
#: tolerance, time (timeval: sec, usec), tick, ppsfreq, jitter, shift, stabil, jitcnt, calcnt, errcnt, stbcnt,
#: tai, and eleven ints of padding.
TIMEX: Final = struct.Struct("<I4xqqqqi4xqqqqqqqqi4xqqqqqi44x")

# modes
ADJ_OFFSET: Final = 0x0001
ADJ_FREQUENCY: Final = 0x0002
ADJ_MAXERROR: Final = 0x0004
ADJ_ESTERROR: Final = 0x0008
ADJ_STATUS: Final = 0x0010
ADJ_TIMECONST: Final = 0x0020
ADJ_TAI: Final = 0x0080
ADJ_SETOFFSET: Final = 0x0100
ADJ_MICRO: Final = 0x1000
ADJ_NANO: Final = 0x2000
ADJ_TICK: Final = 0x4000
ADJ_ADJTIME: Final = 0x8000  # the kernel's name for adjtime()'s singleshot bit
ADJ_OFFSET_SINGLESHOT: Final = 0x8001
ADJ_OFFSET_READONLY: Final = 0x2000
ADJ_OFFSET_SS_READ: Final = 0xA001

# status
STA_PLL: Final = 0x0001
STA_PPSFREQ: Final = 0x0002
STA_PPSTIME: Final = 0x0004
STA_FLL: Final = 0x0008
STA_INS: Final = 0x0010
STA_DEL: Final = 0x0020
STA_UNSYNC: Final = 0x0040
STA_FREQHOLD: Final = 0x0080
STA_PPSSIGNAL: Final = 0x0100
STA_PPSJITTER: Final = 0x0200
STA_PPSWANDER: Final = 0x0400
STA_PPSERROR: Final = 0x0800
STA_CLOCKERR: Final = 0x1000
STA_NANO: Final = 0x2000
STA_MODE: Final = 0x4000
STA_CLK: Final = 0x8000
#: The bits only the kernel sets: a write of status keeps them as they are.
STA_RONLY: Final = (STA_PPSSIGNAL | STA_PPSJITTER | STA_PPSWANDER | STA_PPSERROR | STA_CLOCKERR | STA_NANO | STA_MODE
                    | STA_CLK)

# clock states, adjtimex's result
TIME_OK: Final = 0
TIME_INS: Final = 1
TIME_DEL: Final = 2
TIME_OOP: Final = 3
TIME_WAIT: Final = 4
TIME_ERROR: Final = 5

# include/linux/timex.h
MAXPHASE: Final = 500_000_000  # ns: the largest offset the PLL takes
MAXFREQ: Final = 500_000  # ns/s
MAXTC: Final = 10
MAX_TAI_OFFSET: Final = 100_000
NTP_SCALE_SHIFT: Final = 32
SHIFT_USEC: Final = 16
#: ppm << 16 to the kernel's scaled ns per ns.
PPM_SCALE: Final = 1000 << (NTP_SCALE_SHIFT - SHIFT_USEC)
MAXFREQ_SCALED: Final = MAXFREQ << NTP_SCALE_SHIFT
#: maxerror and esterror's bound, us: (MAXPHASE / NSEC_PER_USEC) << 5.
NTP_PHASE_LIMIT: Final = (MAXPHASE // 1000) << 5
