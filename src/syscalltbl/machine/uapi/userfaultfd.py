"""userfaultfd: flags, features, ioctls and struct layouts (include/uapi/linux/userfaultfd.h)."""

from __future__ import annotations

import struct
from typing import Final

UFFD_API: Final = 0xAA
UFFD_USER_MODE_ONLY: Final = 1  # userfaultfd(2)'s own flag, beside O_CLOEXEC and O_NONBLOCK

# struct uffd_msg (packed, 32 bytes): event, three reserved fields, then the pagefault arm of the union:
# flags, address, and feat.ptid.
UFFD_MSG: Final = struct.Struct("<BBHIQQI4x")
UFFD_EVENT_PAGEFAULT: Final = 0x12
UFFD_PAGEFAULT_FLAG_WRITE: Final = 1 << 0
UFFD_PAGEFAULT_FLAG_WP: Final = 1 << 1
UFFD_PAGEFAULT_FLAG_MINOR: Final = 1 << 2

UFFD_FEATURE_PAGEFAULT_FLAG_WP: Final = 1 << 0
UFFD_FEATURE_EVENT_FORK: Final = 1 << 1
UFFD_FEATURE_EVENT_REMAP: Final = 1 << 2
UFFD_FEATURE_EVENT_REMOVE: Final = 1 << 3
UFFD_FEATURE_MISSING_HUGETLBFS: Final = 1 << 4
UFFD_FEATURE_MISSING_SHMEM: Final = 1 << 5
UFFD_FEATURE_EVENT_UNMAP: Final = 1 << 6
UFFD_FEATURE_SIGBUS: Final = 1 << 7
UFFD_FEATURE_THREAD_ID: Final = 1 << 8
UFFD_FEATURE_MINOR_HUGETLBFS: Final = 1 << 9
UFFD_FEATURE_MINOR_SHMEM: Final = 1 << 10
UFFD_FEATURE_EXACT_ADDRESS: Final = 1 << 11
UFFD_FEATURE_WP_HUGETLBFS_SHMEM: Final = 1 << 12
UFFD_FEATURE_WP_UNPOPULATED: Final = 1 << 13
UFFD_FEATURE_POISON: Final = 1 << 14
UFFD_FEATURE_WP_ASYNC: Final = 1 << 15
UFFD_FEATURE_MOVE: Final = 1 << 16
UFFD_FEATURE_INITIALIZED: Final = 1 << 31  # the kernel's own mark: UFFDIO_API was done

UFFDIO_REGISTER_MODE_MISSING: Final = 1 << 0
UFFDIO_REGISTER_MODE_WP: Final = 1 << 1
UFFDIO_REGISTER_MODE_MINOR: Final = 1 << 2

UFFDIO_COPY_MODE_DONTWAKE: Final = 1 << 0
UFFDIO_COPY_MODE_WP: Final = 1 << 1
UFFDIO_ZEROPAGE_MODE_DONTWAKE: Final = 1 << 0
UFFDIO_WRITEPROTECT_MODE_WP: Final = 1 << 0
UFFDIO_WRITEPROTECT_MODE_DONTWAKE: Final = 1 << 1
UFFDIO_CONTINUE_MODE_DONTWAKE: Final = 1 << 0
UFFDIO_CONTINUE_MODE_WP: Final = 1 << 1
UFFDIO_MOVE_MODE_DONTWAKE: Final = 1 << 0
UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES: Final = 1 << 1
UFFDIO_POISON_MODE_DONTWAKE: Final = 1 << 0

# The ioctl numbers' low byte (_UFFDIO_*), also the bits of uffdio_api.ioctls and uffdio_register.ioctls.
_UFFDIO_REGISTER: Final = 0x00
_UFFDIO_UNREGISTER: Final = 0x01
_UFFDIO_WAKE: Final = 0x02
_UFFDIO_COPY: Final = 0x03
_UFFDIO_ZEROPAGE: Final = 0x04
_UFFDIO_MOVE: Final = 0x05
_UFFDIO_WRITEPROTECT: Final = 0x06
_UFFDIO_CONTINUE: Final = 0x07
_UFFDIO_POISON: Final = 0x08
_UFFDIO_API: Final = 0x3F

# The structs, each as the ioctl copies it in (the trailing __s64 result apart).
UFFDIO_API_STRUCT: Final = struct.Struct("<QQQ")  # api, features, ioctls
UFFDIO_RANGE: Final = struct.Struct("<QQ")  # start, len
UFFDIO_REGISTER_STRUCT: Final = struct.Struct("<QQQQ")  # range, mode, ioctls
UFFDIO_COPY_STRUCT: Final = struct.Struct("<QQQQq")  # dst, src, len, mode, copy
UFFDIO_MOVE_STRUCT: Final = struct.Struct("<QQQQq")  # dst, src, len, mode, move
UFFDIO_RANGE_MODE: Final = struct.Struct("<QQQq")  # zeropage, continue, poison: range, mode, result
UFFDIO_WRITEPROTECT_STRUCT: Final = struct.Struct("<QQQ")  # range, mode


def _ioc(direction: int, nr: int, size: int) -> int:
    return direction << 30 | size << 16 | UFFD_API << 8 | nr


_IOC_READ_WRITE, _IOC_READ = 3, 2
UFFDIO_API: Final = _ioc(_IOC_READ_WRITE, _UFFDIO_API, UFFDIO_API_STRUCT.size)
UFFDIO_REGISTER: Final = _ioc(_IOC_READ_WRITE, _UFFDIO_REGISTER, UFFDIO_REGISTER_STRUCT.size)
UFFDIO_UNREGISTER: Final = _ioc(_IOC_READ, _UFFDIO_UNREGISTER, UFFDIO_RANGE.size)
UFFDIO_WAKE: Final = _ioc(_IOC_READ, _UFFDIO_WAKE, UFFDIO_RANGE.size)
UFFDIO_COPY: Final = _ioc(_IOC_READ_WRITE, _UFFDIO_COPY, UFFDIO_COPY_STRUCT.size)
UFFDIO_ZEROPAGE: Final = _ioc(_IOC_READ_WRITE, _UFFDIO_ZEROPAGE, UFFDIO_RANGE_MODE.size)
UFFDIO_MOVE: Final = _ioc(_IOC_READ_WRITE, _UFFDIO_MOVE, UFFDIO_MOVE_STRUCT.size)
UFFDIO_WRITEPROTECT: Final = _ioc(_IOC_READ_WRITE, _UFFDIO_WRITEPROTECT, UFFDIO_WRITEPROTECT_STRUCT.size)
UFFDIO_CONTINUE: Final = _ioc(_IOC_READ_WRITE, _UFFDIO_CONTINUE, UFFDIO_RANGE_MODE.size)
UFFDIO_POISON: Final = _ioc(_IOC_READ_WRITE, _UFFDIO_POISON, UFFDIO_RANGE_MODE.size)
USERFAULTFD_IOC_NEW: Final = UFFD_API << 8  # _IO(USERFAULTFD_IOC, 0x00): /dev/userfaultfd's one request
