"""openat2 (include/uapi/linux/openat2.h): struct open_how and the RESOLVE_* flags."""

from __future__ import annotations

import struct
from typing import Final

#: struct open_how: u64 flags, mode, resolve (OPEN_HOW_SIZE_VER0: the first version's 24 bytes).
OPEN_HOW: Final = struct.Struct("<QQQ")
OPEN_HOW_SIZE_VER0: Final = 24

RESOLVE_NO_XDEV: Final = 0x01
RESOLVE_NO_MAGICLINKS: Final = 0x02
RESOLVE_NO_SYMLINKS: Final = 0x04
RESOLVE_BENEATH: Final = 0x08
RESOLVE_IN_ROOT: Final = 0x10
RESOLVE_CACHED: Final = 0x20
VALID_RESOLVE_FLAGS: Final = (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH
                              | RESOLVE_IN_ROOT | RESOLVE_CACHED)

#: VALID_OPEN_FLAGS (include/linux/fcntl.h): the open flags openat2 takes; any other bit is EINVAL.
VALID_OPEN_FLAGS: Final = (0o3 | 0o100 | 0o200 | 0o400 | 0o1000 | 0o2000 | 0o4000 | 0o4010000 | 0o10000 | 0o20000
                           | 0o40000 | 0o100000 | 0o200000 | 0o400000 | 0o1000000 | 0o2000000 | 0o10000000
                           | 0o20000000)
S_IALLUGO: Final = 0o7777  # the mode bits a new file may be given
