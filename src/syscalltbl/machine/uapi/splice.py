"""splice, tee and vmsplice flags (include/linux/splice.h)."""

from __future__ import annotations

from typing import Final

SPLICE_F_MOVE: Final = 0x01
SPLICE_F_NONBLOCK: Final = 0x02
SPLICE_F_MORE: Final = 0x04
SPLICE_F_GIFT: Final = 0x08
SPLICE_F_ALL: Final = SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT
