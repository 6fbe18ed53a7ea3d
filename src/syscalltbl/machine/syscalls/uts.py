"""sethostname and setdomainname (kernel/sys.c): the names uname and /proc/sys/kernel report, the caller's UTS
namespace's (kernel/nsproxy.py)."""

from __future__ import annotations

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.sysctl import NEW_UTS_LEN
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.userns import owner_of
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, Errno


def _new_name(t: Task, name: int, length: int) -> bytes:
    """The checks both calls make, in their order: CAP_SYS_ADMIN over the UTS namespace, then 0..64 bytes,
    then the copy (EFAULT)."""
    if not t.cred.ns_capable(owner_of(t.nsproxy.uts), CAP_SYS_ADMIN):
        raise Errno(EPERM)
    if not 0 <= length <= NEW_UTS_LEN:
        raise Errno(EINVAL)
    # The field holds `length` bytes and zeros after them: a NUL inside ends the name as uname shows it.
    return copy_from_user(t.mm, name, length).split(b"\0", 1)[0]


@syscall("sys_sethostname")
def sys_sethostname(t: Task, name: int, length: int, *_: int) -> int:
    t.nsproxy.uts.hostname = _new_name(t, name, length)
    return 0


@syscall("sys_setdomainname")
def sys_setdomainname(t: Task, name: int, length: int, *_: int) -> int:
    t.nsproxy.uts.domainname = _new_name(t, name, length)
    return 0
