"""Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h), host-independent."""

from __future__ import annotations

from typing import Final

EPERM: Final = 1
ENOENT: Final = 2
ESRCH: Final = 3
EINTR: Final = 4
EIO: Final = 5
ENXIO: Final = 6
E2BIG: Final = 7
ENOEXEC: Final = 8
EBADF: Final = 9
ECHILD: Final = 10
EAGAIN: Final = 11
ENOMEM: Final = 12
EACCES: Final = 13
EFAULT: Final = 14
EBUSY: Final = 16
EEXIST: Final = 17
EXDEV: Final = 18
ENODEV: Final = 19
ENOTDIR: Final = 20
EISDIR: Final = 21
EINVAL: Final = 22
EMFILE: Final = 24
ENOTTY: Final = 25
EFBIG: Final = 27
ENOSPC: Final = 28
ESPIPE: Final = 29
EROFS: Final = 30
EPIPE: Final = 32
ERANGE: Final = 34
ENAMETOOLONG: Final = 36
ENOSYS: Final = 38
ENOTEMPTY: Final = 39
ELOOP: Final = 40


class Errno(Exception):
    """Raised by a kernel service; the dispatcher turns it into -errno."""

    def __init__(self, errno: int) -> None:
        super().__init__(errno)
        self.errno = errno
