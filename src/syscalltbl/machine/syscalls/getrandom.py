"""getrandom (drivers/char/random.c): the host's random bytes, as many as the buffer takes."""

from __future__ import annotations

import os

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import access_ok, copy_to_user, user_extent
from syscalltbl.machine.syscalls.fileargs import MAX_RW_COUNT
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EFAULT, EINVAL, Errno
from syscalltbl.machine.uapi.misc import GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM

GRND_BOTH = GRND_RANDOM | GRND_INSECURE  # contradictory: EINVAL
RANDOM_CHUNK = 1 << 16


@syscall("sys_getrandom")
def sys_getrandom(t: Task, buf: int, count: int, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF  # an unsigned int in the kernel's prototype
    if flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) or flags & GRND_BOTH == GRND_BOTH:
        raise Errno(EINVAL)
    count = min(count, MAX_RW_COUNT)  # import_ubuf: cut first, then access_ok
    if not access_ok(buf, count):
        raise Errno(EFAULT)
    # get_random_bytes_user copies block by block and stops at the first
    # fault: fill up to where the buffer stops being writable, a piece at a time.
    reach = user_extent(t.mm, buf, count, write=True)
    done = 0
    while done < reach:
        n = min(reach - done, RANDOM_CHUNK)
        try:
            copy_to_user(t.mm, buf + done, os.urandom(n))
        except Errno:
            break  # RAM ran out under the buffer
        done += n
    if count and not done:
        raise Errno(EFAULT)
    return done
