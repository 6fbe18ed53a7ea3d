"""eventfd flags (include/uapi/linux/eventfd.h) and the counter's limit (fs/eventfd.c)."""

from __future__ import annotations

from typing import Final

from syscalltbl.machine.uapi.fcntl import O_CLOEXEC, O_NONBLOCK

EFD_SEMAPHORE: Final = 1
EFD_CLOEXEC: Final = O_CLOEXEC
EFD_NONBLOCK: Final = O_NONBLOCK
EVENTFD_MAX: Final = (1 << 64) - 1  # ULLONG_MAX: the counter holds at most one less
