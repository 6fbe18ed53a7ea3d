"""userfaultfd (fs/userfaultfd.c): a descriptor that receives the caller's page faults (kernel/userfaultfd.py)."""

from __future__ import annotations

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.userfaultfd import may_create, new_userfaultfd
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EPERM, Errno


@syscall("sys_userfaultfd")
def sys_userfaultfd(t: Task, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    if not may_create(t, flags):
        raise Errno(EPERM)
    return new_userfaultfd(t, flags)
