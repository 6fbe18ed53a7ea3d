"""openat2 (fs/open.c): openat with a struct open_how, strict about its flags, and RESOLVE_* rules for the
walk (kernel/resolve.py)."""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.syscalls.fs import do_openat
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import E2BIG, EAGAIN, EINVAL, Errno
from syscalltbl.machine.uapi.fcntl import O_CREAT, O_PATH, O_PATH_FLAGS, O_TMPFILE_BIT, O_TRUNC
from syscalltbl.machine.uapi.openat2 import (
    OPEN_HOW,
    OPEN_HOW_SIZE_VER0,
    RESOLVE_BENEATH,
    RESOLVE_CACHED,
    RESOLVE_IN_ROOT,
    S_IALLUGO,
    VALID_OPEN_FLAGS,
    VALID_RESOLVE_FLAGS,
)


def _open_how(t: Task, how: int, size: int) -> tuple[int, int, int]:
    """copy_struct_from_user: a smaller struct is EINVAL, a larger one only with zeros past what is known."""
    if size < OPEN_HOW_SIZE_VER0:
        raise Errno(EINVAL)
    if size > PAGE_SIZE:
        raise Errno(E2BIG)
    raw = copy_from_user(t.mm, how, size)
    if any(raw[OPEN_HOW.size:]):
        raise Errno(E2BIG)
    flags, mode, resolve = OPEN_HOW.unpack_from(raw)
    return flags, mode, resolve


def _check_how(flags: int, mode: int, resolve: int) -> None:
    """build_open_flags for openat2: unknown flags, a mode without O_CREAT, bad RESOLVE_* are EINVAL."""
    if flags & ~VALID_OPEN_FLAGS:
        raise Errno(EINVAL)
    if flags & (O_CREAT | O_TMPFILE_BIT):
        if mode & ~S_IALLUGO:
            raise Errno(EINVAL)
    elif mode:
        raise Errno(EINVAL)
    if resolve & ~VALID_RESOLVE_FLAGS:
        raise Errno(EINVAL)
    if resolve & RESOLVE_BENEATH and resolve & RESOLVE_IN_ROOT:
        raise Errno(EINVAL)
    if flags & O_PATH and flags & ~O_PATH_FLAGS:
        raise Errno(EINVAL)
    if resolve & RESOLVE_CACHED and flags & (O_TRUNC | O_CREAT | O_TMPFILE_BIT):
        raise Errno(EAGAIN)  # such an open cannot be done from the cache alone


@syscall("sys_openat2")
def sys_openat2(t: Task, dfd: int, filename: int, how: int, usize: int, *_: int) -> int:
    flags, mode, resolve = _open_how(t, how, usize)
    _check_how(flags, mode, resolve)
    return do_openat(t, dfd, filename, flags, mode, resolve & ~RESOLVE_CACHED)
