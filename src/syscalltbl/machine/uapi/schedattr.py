"""sched_setattr and sched_getattr (include/uapi/linux/sched/types.h, sched.h): struct sched_attr's sizes and flags."""

from __future__ import annotations

from typing import Final

# sched_setattr's struct sched_attr (include/uapi/linux/sched/types.h) and its flags (uapi/linux/sched.h).
SCHED_ATTR_SIZE_VER0: Final = 48
SCHED_ATTR_SIZE_VER1: Final = 56
SCHED_FLAG_RESET_ON_FORK: Final = 0x01
SCHED_FLAG_RECLAIM: Final = 0x02
SCHED_FLAG_DL_OVERRUN: Final = 0x04
SCHED_FLAG_KEEP_POLICY: Final = 0x08
SCHED_FLAG_KEEP_PARAMS: Final = 0x10
SCHED_FLAG_UTIL_CLAMP_MIN: Final = 0x20
SCHED_FLAG_UTIL_CLAMP_MAX: Final = 0x40
SCHED_FLAG_ALL: Final = 0x7F
