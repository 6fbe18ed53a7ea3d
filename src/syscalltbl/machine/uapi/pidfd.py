"""pidfd flags and ioctls (include/uapi/linux/pidfd.h)."""

from __future__ import annotations

import struct
from typing import Final

from syscalltbl.machine.uapi.fcntl import O_EXCL, O_NONBLOCK

PIDFD_NONBLOCK: Final = O_NONBLOCK
PIDFD_THREAD: Final = O_EXCL  # the descriptor names one thread, not its process
#: pidfd_send_signal's scopes: at most one of them.
PIDFD_SIGNAL_THREAD: Final = 1 << 0
PIDFD_SIGNAL_THREAD_GROUP: Final = 1 << 1
PIDFD_SIGNAL_PROCESS_GROUP: Final = 1 << 2
PIDFD_SEND_SIGNAL_FLAGS: Final = PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP

# PIDFD_GET_INFO = _IOWR(PIDFS_IOCTL_MAGIC, 11, struct pidfd_info): the size is the caller's struct's.
PIDFS_IOCTL_MAGIC: Final = 0xFF
PIDFD_GET_INFO_NR: Final = 11
PIDFD_INFO_PID: Final = 1 << 0
PIDFD_INFO_CREDS: Final = 1 << 1
PIDFD_INFO_CGROUPID: Final = 1 << 2
PIDFD_INFO_EXIT: Final = 1 << 3
PIDFD_INFO_SIZE_VER0: Final = 64
#: struct pidfd_info: mask, cgroupid, pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid,
#: exit_code, coredump_mask, spare.
PIDFD_INFO: Final = struct.Struct("<QQ11IiII")
