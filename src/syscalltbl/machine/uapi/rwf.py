"""Per-call flags of preadv2/pwritev2 (include/uapi/linux/fs.h: RWF_*), and close_range's (close_range.h)."""

from __future__ import annotations

from typing import Final

RWF_HIPRI: Final = 0x1
RWF_DSYNC: Final = 0x2
RWF_SYNC: Final = 0x4
RWF_NOWAIT: Final = 0x8
RWF_APPEND: Final = 0x10
RWF_NOAPPEND: Final = 0x20
RWF_ATOMIC: Final = 0x40
RWF_DONTCACHE: Final = 0x80
RWF_SUPPORTED: Final = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_NOAPPEND | RWF_ATOMIC \
    | RWF_DONTCACHE

CLOSE_RANGE_UNSHARE: Final = 1 << 1
CLOSE_RANGE_CLOEXEC: Final = 1 << 2
