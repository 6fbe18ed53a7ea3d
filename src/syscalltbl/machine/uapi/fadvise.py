"""fadvise64(2)'s advice: include/uapi/linux/fadvise.h (x86-64's DONTNEED and NOREUSE)."""

from __future__ import annotations

from typing import Final

POSIX_FADV_NORMAL: Final = 0
POSIX_FADV_RANDOM: Final = 1
POSIX_FADV_SEQUENTIAL: Final = 2
POSIX_FADV_WILLNEED: Final = 3
POSIX_FADV_DONTNEED: Final = 4
POSIX_FADV_NOREUSE: Final = 5
