"""kcmp's resource types (include/uapi/linux/kcmp.h)."""

from __future__ import annotations

import struct
from typing import Final

KCMP_FILE: Final = 0
KCMP_VM: Final = 1
KCMP_FILES: Final = 2
KCMP_FS: Final = 3
KCMP_SIGHAND: Final = 4
KCMP_IO: Final = 5
KCMP_SYSVSEM: Final = 6
KCMP_EPOLL_TFD: Final = 7
KCMP_TYPES: Final = 8
#: struct kcmp_epoll_slot: efd, tfd, toff.
KCMP_EPOLL_SLOT: Final = struct.Struct("<III")
