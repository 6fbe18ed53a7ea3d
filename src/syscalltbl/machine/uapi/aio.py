"""Linux native AIO: numbers and structures (include/uapi/linux/aio_abi.h, fs/aio.c), x86-64's."""

from __future__ import annotations

import struct
from typing import Final

IOCB_CMD_PREAD: Final = 0
IOCB_CMD_PWRITE: Final = 1
IOCB_CMD_FSYNC: Final = 2
IOCB_CMD_FDSYNC: Final = 3
IOCB_CMD_POLL: Final = 5
IOCB_CMD_NOOP: Final = 6
IOCB_CMD_PREADV: Final = 7
IOCB_CMD_PWRITEV: Final = 8

IOCB_FLAG_RESFD: Final = 1 << 0  # signal aio_resfd, an eventfd, at completion
IOCB_FLAG_IOPRIO: Final = 1 << 1

KIOCB_KEY: Final = 0
AIO_MAX_NR: Final = 0x10000  # fs.aio-max-nr's default
AIO_RING_HEADER: Final = 32  # struct aio_ring, before the events

#: struct iocb (64 bytes): aio_data, aio_key, aio_rw_flags, aio_lio_opcode, aio_reqprio, aio_fildes, aio_buf,
#: aio_nbytes, aio_offset, aio_reserved2, aio_flags, aio_resfd.
IOCB: Final = struct.Struct("<QIiHhIQQqQII")
IOCB_KEY_OFFSET: Final = 8
#: struct io_event: data, obj (the iocb's address), res, res2.
IO_EVENT: Final = struct.Struct("<QQqq")
#: struct __aio_sigset: the mask's address and its size.
AIO_SIGSET: Final = struct.Struct("<QQ")
