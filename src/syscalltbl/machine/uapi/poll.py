"""poll events (include/uapi/asm-generic/poll.h)."""

from __future__ import annotations

from typing import Final

POLLIN: Final = 0x1
POLLPRI: Final = 0x2
POLLOUT: Final = 0x4
POLLERR: Final = 0x8
POLLHUP: Final = 0x10
POLLNVAL: Final = 0x20
POLLRDNORM: Final = 0x40
POLLWRNORM: Final = 0x100
