"""Scheduling policies and the CPU-mask size (include/uapi/linux/sched.h, include/linux/cpumask.h)."""

from __future__ import annotations

from typing import Final

SCHED_NORMAL: Final = 0  # SCHED_OTHER to glibc
SCHED_FIFO: Final = 1
SCHED_RR: Final = 2
SCHED_BATCH: Final = 3
SCHED_IDLE: Final = 5
SCHED_DEADLINE: Final = 6
SCHED_RESET_ON_FORK: Final = 0x40000000

MAX_RT_PRIO: Final = 100  # include/linux/sched/prio.h: real-time priorities are 1..MAX_RT_PRIO-1

# One emulated CPU: nr_cpu_ids is 1, and cpumask_size() is one unsigned long.
NR_CPU_IDS: Final = 1
CPUMASK_SIZE: Final = 8
