"""Fast user-space mutexes (include/uapi/linux/futex.h): operations, flags, WAKE_OP's encoding, the robust list."""

from __future__ import annotations

import struct
from typing import Final

# futex(2)'s operations: the low bits of `op`.
FUTEX_WAIT: Final = 0
FUTEX_WAKE: Final = 1
FUTEX_FD: Final = 2  # removed in 2.6.26: ENOSYS
FUTEX_REQUEUE: Final = 3
FUTEX_CMP_REQUEUE: Final = 4
FUTEX_WAKE_OP: Final = 5
FUTEX_LOCK_PI: Final = 6
FUTEX_UNLOCK_PI: Final = 7
FUTEX_TRYLOCK_PI: Final = 8
FUTEX_WAIT_BITSET: Final = 9
FUTEX_WAKE_BITSET: Final = 10
FUTEX_WAIT_REQUEUE_PI: Final = 11
FUTEX_CMP_REQUEUE_PI: Final = 12
FUTEX_LOCK_PI2: Final = 13

# Flags or'ed into `op`; everything else in it is the command.
FUTEX_PRIVATE_FLAG: Final = 128
FUTEX_CLOCK_REALTIME: Final = 256
FUTEX_CMD_MASK: Final = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)

#: The bitset that matches every waiter: plain WAIT and WAKE use it.
FUTEX_BITSET_MATCH_ANY: Final = 0xFFFFFFFF

# The futex word of a PI or robust lock: the owner's tid and two state bits.
FUTEX_WAITERS: Final = 0x80000000
FUTEX_OWNER_DIED: Final = 0x40000000
FUTEX_TID_MASK: Final = 0x3FFFFFFF

# FUTEX_WAKE_OP's val3: op << 28 | cmp << 24 | oparg << 12 | cmparg (both 12-bit signed).
FUTEX_OP_SET: Final = 0  # *uaddr2 = oparg
FUTEX_OP_ADD: Final = 1  # *uaddr2 += oparg
FUTEX_OP_OR: Final = 2  # *uaddr2 |= oparg
FUTEX_OP_ANDN: Final = 3  # *uaddr2 &= ~oparg
FUTEX_OP_XOR: Final = 4  # *uaddr2 ^= oparg
FUTEX_OP_OPARG_SHIFT: Final = 8  # or'ed into op: oparg is 1 << oparg
FUTEX_OP_CMP_EQ: Final = 0
FUTEX_OP_CMP_NE: Final = 1
FUTEX_OP_CMP_LT: Final = 2
FUTEX_OP_CMP_LE: Final = 3
FUTEX_OP_CMP_GT: Final = 4
FUTEX_OP_CMP_GE: Final = 5

# futex2 (futex_waitv and friends): per-futex flags.
FUTEX2_SIZE_U8: Final = 0x00
FUTEX2_SIZE_U16: Final = 0x01
FUTEX2_SIZE_U32: Final = 0x02
FUTEX2_SIZE_U64: Final = 0x03
FUTEX2_NUMA: Final = 0x04
FUTEX2_MPOL: Final = 0x08
FUTEX2_PRIVATE: Final = FUTEX_PRIVATE_FLAG
FUTEX2_SIZE_MASK: Final = 0x03
FUTEX2_VALID_MASK: Final = FUTEX2_SIZE_MASK | FUTEX2_NUMA | FUTEX2_MPOL | FUTEX2_PRIVATE
#: The most futexes one futex_waitv may wait on.
FUTEX_WAITV_MAX: Final = 128
#: struct futex_waitv: val, uaddr, flags, __reserved (must be 0).
FUTEX_WAITV: Final = struct.Struct("<QQII")

#: struct robust_list_head: list.next, futex_offset (signed), list_op_pending.
ROBUST_LIST_HEAD: Final = struct.Struct("<QqQ")
#: How many entries exit walks at most (kernel/futex/core.c): a list can be circular.
ROBUST_LIST_LIMIT: Final = 2048
#: Bit 0 of a robust list pointer: the lock it leads to is a PI futex.
ROBUST_LIST_PI: Final = 1
