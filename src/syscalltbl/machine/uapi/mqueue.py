"""POSIX message queues: numbers and structures (include/uapi/linux/mqueue.h, ipc/mqueue.c), x86-64's."""

from __future__ import annotations

import struct
from typing import Final

MQ_PRIO_MAX: Final = 32768
MQ_BYTES_MAX: Final = 819200  # RLIMIT_MSGQUEUE's default
FILENT_SIZE: Final = 80  # a queue's i_size, and its status line's buffer
NOTIFY_COOKIE_LEN: Final = 32
SI_MESGQ: Final = -3

#: struct mq_attr: mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, __reserved[4].
MQ_ATTR: Final = struct.Struct("<qqqq32x")
