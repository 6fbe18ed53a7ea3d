"""include/uapi/linux/random.h: the ioctls of /dev/random and /dev/urandom."""

from __future__ import annotations

from typing import Final

RNDGETENTCNT: Final = 0x80045200  # _IOR('R', 0x00, int)
RNDADDTOENTCNT: Final = 0x40045201  # _IOW('R', 0x01, int)
RNDGETPOOL: Final = 0x80085202  # _IOR('R', 0x02, int[2]): gone since 2.6.9, EINVAL
RNDADDENTROPY: Final = 0x40085203  # _IOW('R', 0x03, int[2]): struct rand_pool_info
RNDZAPENTCNT: Final = 0x5204  # _IO('R', 0x04)
RNDCLEARPOOL: Final = 0x5206  # _IO('R', 0x06)
RNDRESEEDCRNG: Final = 0x5207  # _IO('R', 0x07)
