"""fallocate's modes (include/uapi/linux/falloc.h)."""

from __future__ import annotations

from typing import Final

FALLOC_FL_ALLOCATE_RANGE: Final = 0x00
FALLOC_FL_KEEP_SIZE: Final = 0x01
FALLOC_FL_PUNCH_HOLE: Final = 0x02
FALLOC_FL_NO_HIDE_STALE: Final = 0x04
FALLOC_FL_COLLAPSE_RANGE: Final = 0x08
FALLOC_FL_ZERO_RANGE: Final = 0x10
FALLOC_FL_INSERT_RANGE: Final = 0x20
FALLOC_FL_UNSHARE_RANGE: Final = 0x40
FALLOC_FL_WRITE_ZEROES: Final = 0x80
#: The operation part of a mode: one of these, or none (allocate).
FALLOC_FL_MODE_MASK: Final = (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE
                              | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_WRITE_ZEROES)
