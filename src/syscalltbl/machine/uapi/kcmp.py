"""kcmp (include/uapi/linux/kcmp.h): what two processes are compared by."""

from __future__ import annotations

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
