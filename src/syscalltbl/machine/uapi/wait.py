"""wait4/waitid options (include/uapi/linux/wait.h)."""

from __future__ import annotations

from typing import Final

WNOHANG: Final = 1
WUNTRACED: Final = 2
WCONTINUED: Final = 8
__WNOTHREAD: Final = 0x20000000
__WALL: Final = 0x40000000
__WCLONE: Final = 0x80000000
WAIT4_OPTIONS: Final = WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL
