"""pidfd flags and ioctls (include/uapi/linux/pidfd.h)."""

from __future__ import annotations

from typing import Final

from syscalltbl.machine.uapi.fcntl import O_EXCL, O_NONBLOCK

PIDFD_NONBLOCK: Final = O_NONBLOCK
PIDFD_THREAD: Final = O_EXCL  # the descriptor names one thread, not its process
#: pidfd_send_signal's scopes: at most one of them.
PIDFD_SIGNAL_THREAD: Final = 1 << 0
PIDFD_SIGNAL_THREAD_GROUP: Final = 1 << 1
PIDFD_SIGNAL_PROCESS_GROUP: Final = 1 << 2
PIDFD_SEND_SIGNAL_FLAGS: Final = PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP
