"""signalfd flags and struct signalfd_siginfo (include/uapi/linux/signalfd.h)."""

from __future__ import annotations

import struct
from typing import Final

from syscalltbl.machine.uapi.fcntl import O_CLOEXEC, O_NONBLOCK

SFD_CLOEXEC: Final = O_CLOEXEC
SFD_NONBLOCK: Final = O_NONBLOCK
#: ssi_signo, ssi_errno, ssi_code, ssi_pid, ssi_uid, ssi_fd, ssi_tid, ssi_band, ssi_overrun, ssi_trapno,
#: ssi_status, ssi_int, ssi_ptr, ssi_utime, ssi_stime, ssi_addr, ssi_addr_lsb, then padding to 128 bytes.
SIGNALFD_SIGINFO: Final = struct.Struct("<IiiIIiIIIIiiQQQQH46x")
