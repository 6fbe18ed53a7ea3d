"""access, faccessat, faccessat2: whether the caller may read, write or run a file (fs/open.c do_faccessat).

The question is asked as the real ids would (a set-user-ID program asking
for the user who ran it), path walk included, unless faccessat2's
AT_EACCESS asks it for the effective ones.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from syscalltbl.machine.kernel import permission
from syscalltbl.machine.kernel.cred import access_creds
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.fs import _base, s32, user_path_maybe_empty
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.fcntl import AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW

FACCESSAT2_FLAGS = AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH


@contextlib.contextmanager
def _as_real_ids(t: Task) -> Iterator[None]:
    """override_creds(access_override_creds()): the task's own credentials come back whatever happens."""
    own = t.cred
    t.cred = access_creds(own)
    try:
        yield
    finally:
        t.cred = own


def do_faccessat(t: Task, dirfd: int, path: int, mode: int, flags: int) -> int:
    if mode & ~0o7:
        raise Errno(EINVAL)
    if flags & ~FACCESSAT2_FLAGS:
        raise Errno(EINVAL)
    with contextlib.nullcontext() if flags & AT_EACCESS else _as_real_ids(t):
        name = user_path_maybe_empty(t, path, flags)
        if not name:
            inode = t.fs.cwd if s32(dirfd) == AT_FDCWD else t.files.get(s32(dirfd)).inode
        else:
            inode = t.machine.fs.lookup(t, name, _base(t, dirfd, name), follow=not flags & AT_SYMLINK_NOFOLLOW)
        permission.check(t.cred, inode, mode)  # X_OK on a file with no x bit at all is EACCES even for root
    return 0


@syscall("sys_faccessat2")
def sys_faccessat2(t: Task, dirfd: int, path: int, mode: int, flags: int, *_: int) -> int:
    return do_faccessat(t, dirfd, path, mode, flags)


@syscall("sys_faccessat")
def sys_faccessat(t: Task, dirfd: int, path: int, mode: int, *_: int) -> int:
    return do_faccessat(t, dirfd, path, mode, 0)


@syscall("sys_access")
def sys_access(t: Task, path: int, mode: int, *_: int) -> int:
    return do_faccessat(t, AT_FDCWD, path, mode, 0)
