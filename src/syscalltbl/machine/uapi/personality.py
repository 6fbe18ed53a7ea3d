"""personality (include/uapi/linux/personality.h): the execution domain and its flags."""

from __future__ import annotations

from typing import Final

PER_LINUX: Final = 0x0000
UNAME26: Final = 0x0020000
ADDR_NO_RANDOMIZE: Final = 0x0040000
FDPIC_FUNCPTRS: Final = 0x0080000
MMAP_PAGE_ZERO: Final = 0x0100000
ADDR_COMPAT_LAYOUT: Final = 0x0200000
READ_IMPLIES_EXEC: Final = 0x0400000
ADDR_LIMIT_32BIT: Final = 0x0800000
SHORT_INODE: Final = 0x1000000
WHOLE_SECONDS: Final = 0x2000000
STICKY_TIMEOUTS: Final = 0x4000000
ADDR_LIMIT_3GB: Final = 0x8000000
#: personality(0xffffffff) only reads.
PER_QUERY: Final = 0xFFFFFFFF
