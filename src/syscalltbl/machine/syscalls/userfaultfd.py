"""userfaultfd (fs/userfaultfd.c): a descriptor that receives the caller's page faults (kernel/userfaultfd.py)."""

from __future__ import annotations

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.userfaultfd import may_create, new_userfaultfd
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import O_CLOEXEC, O_NONBLOCK
from syscalltbl.machine.uapi.userfaultfd import UFFD_USER_MODE_ONLY

UFFD_SHARED_FCNTL_FLAGS = O_CLOEXEC | O_NONBLOCK


def do_new_userfaultfd(t: Task, flags: int) -> int:
    """new_userfaultfd: flags checked, then a context of the caller's address space on a new descriptor."""
    if flags & ~(UFFD_SHARED_FCNTL_FLAGS | UFFD_USER_MODE_ONLY):
        raise Errno(EINVAL)
    f = new_userfaultfd(t, flags)
    return t.files.install(f, cloexec=bool(flags & O_CLOEXEC), limit=t.nofile())


@syscall("sys_userfaultfd")
def sys_userfaultfd(t: Task, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    if not may_create(t, flags, UFFD_USER_MODE_ONLY):
        raise Errno(EPERM)
    return do_new_userfaultfd(t, flags)
