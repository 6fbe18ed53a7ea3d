"""Resource limits and priorities (include/uapi/asm-generic/resource.h, include/uapi/linux/resource.h)."""

from __future__ import annotations

from typing import Final

RLIMIT_CPU: Final = 0
RLIMIT_FSIZE: Final = 1
RLIMIT_DATA: Final = 2
RLIMIT_STACK: Final = 3
RLIMIT_CORE: Final = 4
RLIMIT_RSS: Final = 5
RLIMIT_NPROC: Final = 6
RLIMIT_NOFILE: Final = 7
RLIMIT_MEMLOCK: Final = 8
RLIMIT_AS: Final = 9
RLIMIT_LOCKS: Final = 10
RLIMIT_SIGPENDING: Final = 11
RLIMIT_MSGQUEUE: Final = 12
RLIMIT_NICE: Final = 13
RLIMIT_RTPRIO: Final = 14
RLIMIT_RTTIME: Final = 15
RLIM_NLIMITS: Final = 16
RLIM_INFINITY: Final = (1 << 64) - 1

PRIO_PROCESS: Final = 0
PRIO_PGRP: Final = 1
PRIO_USER: Final = 2
