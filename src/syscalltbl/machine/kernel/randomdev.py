"""The random number generator's state and ioctls (drivers/char/random.c).

The machine's CRNG is the host's: it is seeded before the first guest
instruction, so the input pool is full from boot. Its credited entropy
(input_pool.init_bits) therefore stays at POOL_BITS, the most
credit_init_bits lets it reach, whatever root credits on top; the
RND* ioctls and /proc/sys/kernel/random report and check what Linux's do.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user, user_range
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EFAULT, EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.random import (
    RNDADDENTROPY,
    RNDADDTOENTCNT,
    RNDCLEARPOOL,
    RNDGETENTCNT,
    RNDRESEEDCRNG,
    RNDZAPENTCNT,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

POOL_BITS: Final = 256  # BLAKE2S_HASH_SIZE * 8: the input pool's size, /proc/sys/kernel/random/poolsize
POOL_READY_BITS: Final = POOL_BITS  # credited bits at which the CRNG is ready
WRITE_WAKEUP_BITS: Final = POOL_READY_BITS  # write_wakeup_threshold (read-only in effect since 5.18)
CRNG_RESEED_SECS: Final = 60  # urandom_min_reseed_secs: CRNG_RESEED_INTERVAL / HZ
MAX_RW_COUNT: Final = 0x7FFFF000  # what one import_single_range may cover


def entropy_avail() -> int:
    """input_pool.init_bits: full from boot (the host seeded the CRNG), and credit never passes POOL_BITS."""
    return POOL_BITS


def new_uuid() -> bytes:
    """A random (version 4) UUID as %pU prints it: /proc/sys/kernel/random/uuid's, fresh at each read.

    Made here as generate_random_uuid makes it, not with the uuid module: that imports platform, and every
    machine's boot makes one (its boot_id)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}".encode()


def random_ioctl(task: Task, request: int, arg: int) -> int:
    """random_ioctl: `arg` is the caller's pointer."""
    if request == RNDGETENTCNT:
        copy_to_user(task.mm, arg, entropy_avail().to_bytes(4, "little"))
        return 0
    if request == RNDADDTOENTCNT:
        _admin(task)
        if int.from_bytes(copy_from_user(task.mm, arg, 4), "little", signed=True) < 0:
            raise Errno(EINVAL)
        return 0  # credit_init_bits: the pool is full already
    if request == RNDADDENTROPY:
        _admin(task)
        header = copy_from_user(task.mm, arg, 8)
        count, length = (int.from_bytes(header[i:i + 4], "little", signed=True) for i in (0, 4))
        if count < 0:
            raise Errno(EINVAL)
        _mix_user(task, arg + 8, length)
        return 0
    if request in (RNDZAPENTCNT, RNDCLEARPOOL, RNDRESEEDCRNG):
        _admin(task)  # no longer has any effect; a reseed of a ready CRNG is the host's business
        return 0
    raise Errno(EINVAL)


def _admin(task: Task) -> None:
    if not task.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)


def _mix_user(task: Task, addr: int, length: int) -> None:
    """write_pool_user: all `length` bytes must be readable (a short copy is EFAULT); the host's pool
    needs none of them, so they are checked, not copied."""
    if length < 0:
        raise Errno(EFAULT)  # an int taken as a size_t: past any user range (import_ubuf's access_ok)
    user_range(task.mm, addr, min(length, MAX_RW_COUNT), write=False)
    if length > MAX_RW_COUNT:
        raise Errno(EFAULT)  # import_ubuf took MAX_RW_COUNT of it: not all was written into the pool
