"""memfd_create (mm/memfd.c): an anonymous tmpfs file behind a descriptor, sealable on request; memfd_secret
(mm/secretmem.c): memory no other process can reach."""

from __future__ import annotations

from syscalltbl.machine.kernel.memfd import new_memfd
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.secretmem import new_secretmem
from syscalltbl.machine.kernel.uaccess import strncpy_from_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EACCES, EINVAL, ENOSYS, Errno
from syscalltbl.machine.uapi.fcntl import O_CLOEXEC
from syscalltbl.machine.uapi.memfd import (
    MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED,
    MEMFD_NOEXEC_SCOPE_NOEXEC_SEAL,
    MFD_ALL_FLAGS,
    MFD_ALLOW_SEALING,
    MFD_CLOEXEC,
    MFD_EXEC,
    MFD_HUGE_MASK,
    MFD_HUGE_SHIFT,
    MFD_HUGETLB,
    MFD_NAME_MAX_LEN,
    MFD_NAME_PREFIX,
    MFD_NOEXEC_SEAL,
)


def _exec_flags(t: Task, flags: int) -> int:
    """check_sysctl_memfd_noexec: vm.memfd_noexec picks MFD_EXEC or MFD_NOEXEC_SEAL when neither is asked
    for, and at 2 refuses a file that could be executed (EACCES)."""
    scope = t.machine.sysctl.memfd_noexec
    if not flags & (MFD_EXEC | MFD_NOEXEC_SEAL):
        flags |= MFD_NOEXEC_SEAL if scope >= MEMFD_NOEXEC_SCOPE_NOEXEC_SEAL else MFD_EXEC
    if not flags & MFD_NOEXEC_SEAL and scope >= MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED:
        raise Errno(EACCES)
    return flags


@syscall("sys_memfd_create")
def sys_memfd_create(t: Task, uname: int, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    known = MFD_ALL_FLAGS | (MFD_HUGE_MASK << MFD_HUGE_SHIFT if flags & MFD_HUGETLB else 0)
    if flags & ~known:
        raise Errno(EINVAL)
    if flags & MFD_EXEC and flags & MFD_NOEXEC_SEAL:
        raise Errno(EINVAL)
    flags = _exec_flags(t, flags)
    # strnlen_user(uname, MFD_NAME_MAX_LEN + 1): EFAULT for an unreadable name, EINVAL for a longer one.
    name = strncpy_from_user(t.mm, uname, MFD_NAME_MAX_LEN + 1)
    if len(name) > MFD_NAME_MAX_LEN:
        raise Errno(EINVAL)
    if flags & MFD_HUGETLB:
        raise Errno(ENOSYS)  # hugetlb_file_setup of a kernel without hugetlbfs
    f = new_memfd(t, MFD_NAME_PREFIX + name, noexec=bool(flags & MFD_NOEXEC_SEAL),
                  sealable=bool(flags & MFD_ALLOW_SEALING))
    return t.files.install(f, cloexec=bool(flags & MFD_CLOEXEC), limit=t.nofile())


@syscall("sys_memfd_secret")
def sys_memfd_secret(t: Task, flags: int, *_: int) -> int:
    if flags & 0xFFFFFFFF & ~O_CLOEXEC:
        raise Errno(EINVAL)  # SECRETMEM_FLAGS_MASK
    return t.files.install(new_secretmem(t), cloexec=bool(flags & O_CLOEXEC), limit=t.nofile())
