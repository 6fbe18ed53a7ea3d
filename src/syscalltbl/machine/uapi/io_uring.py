"""io_uring (include/uapi/linux/io_uring.h): setup flags, features, the mmap offsets, opcodes, SQE flags,
enter flags, register opcodes, and the layouts of struct io_uring_params, io_uring_sqe and io_uring_cqe."""

from __future__ import annotations

import struct
from typing import Final

IORING_SETUP_IOPOLL: Final = 1 << 0
IORING_SETUP_SQPOLL: Final = 1 << 1
IORING_SETUP_SQ_AFF: Final = 1 << 2
IORING_SETUP_CQSIZE: Final = 1 << 3
IORING_SETUP_CLAMP: Final = 1 << 4
IORING_SETUP_ATTACH_WQ: Final = 1 << 5
IORING_SETUP_R_DISABLED: Final = 1 << 6
IORING_SETUP_SUBMIT_ALL: Final = 1 << 7

IORING_FEAT_SINGLE_MMAP: Final = 1 << 0
IORING_FEAT_NODROP: Final = 1 << 1
IORING_FEAT_SUBMIT_STABLE: Final = 1 << 2
IORING_FEAT_RW_CUR_POS: Final = 1 << 3
IORING_FEAT_CUR_PERSONALITY: Final = 1 << 4

IORING_OFF_SQ_RING: Final = 0
IORING_OFF_CQ_RING: Final = 0x8000000
IORING_OFF_SQES: Final = 0x10000000

IORING_OP_NOP: Final = 0
IORING_OP_READV: Final = 1
IORING_OP_WRITEV: Final = 2
IORING_OP_FSYNC: Final = 3
IORING_OP_READ_FIXED: Final = 4
IORING_OP_WRITE_FIXED: Final = 5
IORING_OP_SENDMSG: Final = 9
IORING_OP_RECVMSG: Final = 10
IORING_OP_CLOSE: Final = 19
IORING_OP_READ: Final = 22
IORING_OP_WRITE: Final = 23
IORING_OP_SEND: Final = 26
IORING_OP_RECV: Final = 27

IORING_FSYNC_DATASYNC: Final = 1 << 0

IOSQE_FIXED_FILE: Final = 1 << 0
IOSQE_IO_DRAIN: Final = 1 << 1
IOSQE_IO_LINK: Final = 1 << 2
IOSQE_IO_HARDLINK: Final = 1 << 3
IOSQE_ASYNC: Final = 1 << 4
IOSQE_BUFFER_SELECT: Final = 1 << 5
IOSQE_CQE_SKIP_SUCCESS: Final = 1 << 6

IORING_ENTER_GETEVENTS: Final = 1 << 0
IORING_ENTER_SQ_WAKEUP: Final = 1 << 1
IORING_ENTER_SQ_WAIT: Final = 1 << 2
IORING_ENTER_EXT_ARG: Final = 1 << 3
IORING_ENTER_REGISTERED_RING: Final = 1 << 4

IORING_REGISTER_BUFFERS: Final = 0
IORING_UNREGISTER_BUFFERS: Final = 1
IORING_REGISTER_FILES: Final = 2
IORING_UNREGISTER_FILES: Final = 3
IORING_REGISTER_PROBE: Final = 8

IO_URING_OP_SUPPORTED: Final = 1 << 0
IORING_MAX_ENTRIES: Final = 32768
IORING_MAX_CQ_ENTRIES: Final = 2 * IORING_MAX_ENTRIES
IORING_MAX_REG_BUFFERS: Final = 1 << 14
IORING_MAX_FIXED_FILES: Final = 1 << 20

#: struct io_uring_params: sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd,
#: resv[3]; then io_sqring_offsets (head, tail, ring_mask, ring_entries, flags, dropped, array, resv1,
#: user_addr) and io_cqring_offsets (head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1,
#: user_addr).
IO_URING_PARAMS: Final = struct.Struct("<10I8IQ8IQ")
#: struct io_uring_sqe: opcode, flags, ioprio, fd, off, addr, len, op flags, user_data, buf_index,
#: personality, splice_fd_in, addr3, pad.
IO_URING_SQE: Final = struct.Struct("<BBHiQQIIQHHiQQ")
#: struct io_uring_cqe: user_data, res, flags.
IO_URING_CQE: Final = struct.Struct("<QiI")
#: struct io_uring_probe's header (last_op, ops_len, resv, resv2[3]) and one io_uring_probe_op.
IO_URING_PROBE: Final = struct.Struct("<BBH3I")
IO_URING_PROBE_OP: Final = struct.Struct("<BBHI")
