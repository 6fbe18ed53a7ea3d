"""perf_event_open (include/uapi/linux/perf_event.h): event types, software counters, struct perf_event_attr,
read_format bits, the flags and the ioctls."""

from __future__ import annotations

import struct
from typing import Final

PERF_TYPE_HARDWARE: Final = 0
PERF_TYPE_SOFTWARE: Final = 1
PERF_TYPE_TRACEPOINT: Final = 2
PERF_TYPE_HW_CACHE: Final = 3
PERF_TYPE_RAW: Final = 4
PERF_TYPE_BREAKPOINT: Final = 5

PERF_COUNT_SW_CPU_CLOCK: Final = 0
PERF_COUNT_SW_TASK_CLOCK: Final = 1
PERF_COUNT_SW_PAGE_FAULTS: Final = 2
PERF_COUNT_SW_CONTEXT_SWITCHES: Final = 3
PERF_COUNT_SW_CPU_MIGRATIONS: Final = 4
PERF_COUNT_SW_PAGE_FAULTS_MIN: Final = 5
PERF_COUNT_SW_PAGE_FAULTS_MAJ: Final = 6
PERF_COUNT_SW_ALIGNMENT_FAULTS: Final = 7
PERF_COUNT_SW_EMULATION_FAULTS: Final = 8
PERF_COUNT_SW_DUMMY: Final = 9
PERF_COUNT_SW_BPF_OUTPUT: Final = 10
PERF_COUNT_SW_CGROUP_SWITCHES: Final = 11
PERF_COUNT_SW_MAX: Final = 12

PERF_FORMAT_TOTAL_TIME_ENABLED: Final = 1 << 0
PERF_FORMAT_TOTAL_TIME_RUNNING: Final = 1 << 1
PERF_FORMAT_ID: Final = 1 << 2
PERF_FORMAT_GROUP: Final = 1 << 3
PERF_FORMAT_LOST: Final = 1 << 4
PERF_FORMAT_MAX: Final = 1 << 5

PERF_FLAG_FD_NO_GROUP: Final = 1 << 0
PERF_FLAG_FD_OUTPUT: Final = 1 << 1
PERF_FLAG_PID_CGROUP: Final = 1 << 2
PERF_FLAG_FD_CLOEXEC: Final = 1 << 3
PERF_FLAG_ALL: Final = PERF_FLAG_FD_NO_GROUP | PERF_FLAG_FD_OUTPUT | PERF_FLAG_PID_CGROUP | PERF_FLAG_FD_CLOEXEC

# struct perf_event_attr's bitfield word (the u64 after read_format), the bits that matter here.
ATTR_DISABLED: Final = 1 << 0
ATTR_INHERIT: Final = 1 << 1
ATTR_PINNED: Final = 1 << 2
ATTR_EXCLUSIVE: Final = 1 << 3
ATTR_EXCLUDE_USER: Final = 1 << 4
ATTR_EXCLUDE_KERNEL: Final = 1 << 5
ATTR_EXCLUDE_HV: Final = 1 << 6
ATTR_FREQ: Final = 1 << 10
ATTR_ENABLE_ON_EXEC: Final = 1 << 12
ATTR_INHERIT_STAT: Final = 1 << 11
ATTR_SIGTRAP: Final = 1 << 37
#: __reserved_1: the bits past the last flag this layout knows (bit 39 on), which must be zero.
ATTR_RESERVED: Final = ~((1 << 39) - 1) & 0xFFFFFFFFFFFFFFFF

PERF_ATTR_SIZE_VER0: Final = 64
PERF_ATTR_SIZE_VER8: Final = 136
#: The first 64 bytes: type, size, config, sample_period (or freq), sample_type, read_format, the flags word,
#: wakeup_events, bp_type, config1.
PERF_ATTR_VER0: Final = struct.Struct("<IIQQQQQIIQ")

_IOC_NONE: Final = 0
PERF_EVENT_IOC_ENABLE: Final = 0x2400
PERF_EVENT_IOC_DISABLE: Final = 0x2401
PERF_EVENT_IOC_REFRESH: Final = 0x2402
PERF_EVENT_IOC_RESET: Final = 0x2403
PERF_EVENT_IOC_PERIOD: Final = 0x40082404  # _IOW('$', 4, __u64)
PERF_EVENT_IOC_SET_OUTPUT: Final = 0x2405
PERF_EVENT_IOC_SET_FILTER: Final = 0x40082406  # _IOW('$', 6, char *)
PERF_EVENT_IOC_ID: Final = 0x80082407  # _IOR('$', 7, __u64 *)
PERF_IOC_FLAG_GROUP: Final = 1
