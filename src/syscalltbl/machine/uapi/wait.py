"""wait4/waitid options (include/uapi/linux/wait.h)."""

from __future__ import annotations

from typing import Final

WNOHANG: Final = 1
WUNTRACED: Final = 2
WCONTINUED: Final = 8
__WALL: Final = 0x40000000
