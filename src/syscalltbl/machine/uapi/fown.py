"""fcntl's owner and signal commands, struct f_owner_ex, and SIGIO's si_code values
(include/uapi/asm-generic/fcntl.h, include/uapi/asm-generic/siginfo.h)."""

from __future__ import annotations

import struct
from typing import Final

F_SETOWN: Final = 8
F_GETOWN: Final = 9
F_SETSIG: Final = 10
F_GETSIG: Final = 11
F_SETOWN_EX: Final = 15
F_GETOWN_EX: Final = 16
F_SETLEASE: Final = 1024  # F_LINUX_SPECIFIC_BASE + 0
F_GETLEASE: Final = 1025

F_OWNER_TID: Final = 0
F_OWNER_PID: Final = 1
F_OWNER_PGRP: Final = 2
F_OWNER_EX: Final = struct.Struct("<ii")  # int type; pid_t pid

O_ASYNC: Final = 0o20000  # FASYNC: SIGIO when I/O becomes possible

POLL_IN: Final = 1
POLL_OUT: Final = 2
POLL_MSG: Final = 3
#: si_band for each si_code from POLL_IN on (fs/fcntl.c band_table)
BAND_TABLE: Final = (0x041, 0x304, 0x441, 0x008, 0x082, 0x018)
