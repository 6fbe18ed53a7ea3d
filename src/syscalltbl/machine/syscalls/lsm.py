"""lsm_list_modules (security/lsm_syscalls.c): the Linux security modules the kernel runs.

The machine's kernel has two: capability, the one every Linux kernel has
(kernel/cred.py's checks), then Landlock (kernel/landlock.py).
"""

from __future__ import annotations

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import E2BIG, EINVAL, Errno
from syscalltbl.machine.uapi.lsm import LSM_ID_CAPABILITY, LSM_ID_LANDLOCK

#: The active modules, in the order they were initialised (lsm_idlist).
ACTIVE_LSMS = (LSM_ID_CAPABILITY, LSM_ID_LANDLOCK)
U32 = 4


def _get_u32(t: Task, addr: int) -> int:
    return int.from_bytes(copy_from_user(t.mm, addr, U32), "little")


def _put_u32(t: Task, addr: int, value: int) -> None:
    copy_to_user(t.mm, addr, value.to_bytes(U32, "little"))


@syscall("sys_lsm_list_modules")
def sys_lsm_list_modules(t: Task, ids: int, size: int, flags: int, *_: int) -> int:
    if flags:
        raise Errno(EINVAL)
    total = len(ACTIVE_LSMS) * 8
    given = _get_u32(t, size)
    _put_u32(t, size, total)  # the size needed, told whether or not it fits
    if given < total:
        raise Errno(E2BIG)
    copy_to_user(t.mm, ids, b"".join(lsm.to_bytes(8, "little") for lsm in ACTIVE_LSMS))
    return len(ACTIVE_LSMS)
