"""Linux errno values (include/uapi/asm-generic/errno-base.h), host-independent."""

from __future__ import annotations

from typing import Final

EPERM: Final = 1
ENOENT: Final = 2
ESRCH: Final = 3
EINTR: Final = 4
EIO: Final = 5
EBADF: Final = 9
EAGAIN: Final = 11
ENOMEM: Final = 12
EACCES: Final = 13
EFAULT: Final = 14
EEXIST: Final = 17
EINVAL: Final = 22
EMFILE: Final = 24
ENOSPC: Final = 28
ESPIPE: Final = 29
EPIPE: Final = 32
ENOSYS: Final = 38


class Errno(Exception):
    """Raised by a kernel service; the dispatcher turns it into -errno."""

    def __init__(self, errno: int) -> None:
        super().__init__(errno)
        self.errno = errno
