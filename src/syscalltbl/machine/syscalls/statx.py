"""statx(2) (fs/stat.c), answering as tmpfs does on Linux 6.18 (mm/shmem.c's shmem_getattr).

Every value newfstatat gives comes from the same place (fs.py's struct stat),
so the two calls always agree; statx adds what tmpfs adds: the birth time
when asked for, the attribute bits tmpfs can hold, and the mount's id.
Like every multigrain-timestamp filesystem, tmpfs leaves mtime and ctime out
(and zero) when neither is asked for; /dev's nodes (devtmpfs: shmem too, but
not multigrain) always report them. /proc, pipes and the host's fds 0-2 are
not tmpfs: they report no birth time and always report mtime and ctime.
"""

from __future__ import annotations

import os
from typing import Final

from syscalltbl.machine.kernel.fifo import Fifo
from syscalltbl.machine.kernel.nodes import SocketNode, Whiteout
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.vfs import Device, Directory, Inode, Regular, Symlink, TtyDevice
from syscalltbl.machine.syscalls.fs import _base, _is_proc, _stat, s32, user_path_maybe_empty
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, Errno
from syscalltbl.machine.uapi.fcntl import AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW
from syscalltbl.machine.uapi.fileattr import FS_APPEND_FL, FS_IMMUTABLE_FL, FS_NODUMP_FL
from syscalltbl.machine.uapi.statx import (
    AT_NO_AUTOMOUNT,
    AT_STATX_SYNC_TYPE,
    MNT_UNIQUE_ID_OFFSET,
    STATX,
    STATX__RESERVED,
    STATX_ATTR_APPEND,
    STATX_ATTR_AUTOMOUNT,
    STATX_ATTR_DAX,
    STATX_ATTR_IMMUTABLE,
    STATX_ATTR_MOUNT_ROOT,
    STATX_ATTR_NODUMP,
    STATX_BASIC_STATS,
    STATX_BTIME,
    STATX_CTIME,
    STATX_MNT_ID,
    STATX_MNT_ID_UNIQUE,
    STATX_MTIME,
)
from syscalltbl.machine.uapi.structs import STAT

#: What every filesystem may report (vfs_getattr_nosec, vfs_statx_path), and what tmpfs's inodes add.
VFS_ATTRIBUTES: Final = STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX
TMPFS_ATTRIBUTES: Final = STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND | STATX_ATTR_NODUMP
VALID_FLAGS: Final = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE
NSEC: Final = 10**9


def on_tmpfs(inode: Inode) -> bool:
    """A file of the machine's own tree (tmpfs on Linux, devtmpfs for /dev's nodes): not /proc, a pipe or a host fd."""
    tmpfs_kinds = Regular | Directory | Symlink | Device | TtyDevice | Fifo | SocketNode | Whiteout
    return isinstance(inode, tmpfs_kinds) and not _is_proc(inode)


def _mount_root(t: Task, inode: Inode) -> bool:
    return t.machine.fs.namespace(t).mount_of(inode) is not None


def statx_of(t: Task, inode: Inode, mask: int) -> bytes:
    """struct statx for `inode` as asked by `mask` (cp_statx of what vfs_statx_path filled in)."""
    (dev, ino, nlink, mode, uid, gid, rdev, size, blksize, blocks,
     asec, ansec, msec, mnsec, csec, cnsec) = STAT.unpack(_stat(inode, t.cred.user_ns))  # fmt: skip
    result = STATX_BASIC_STATS
    tmpfs = on_tmpfs(inode)
    multigrain = tmpfs and not isinstance(inode, Device | TtyDevice)  # devtmpfs is no FS_MGTIME filesystem
    if multigrain and not mask & (STATX_CTIME | STATX_MTIME):
        result &= ~(STATX_CTIME | STATX_MTIME)  # fill_mg_cmtime: neither asked for, neither reported
        msec = mnsec = csec = cnsec = 0
    bsec = bnsec = 0
    if tmpfs and mask & STATX_BTIME:
        result |= STATX_BTIME
        bsec, bnsec = divmod(inode.btime, NSEC)
    ns = t.machine.fs.namespace(t)
    mount = (ns.containing(inode) or ns.root).id  # as /proc/self/mountinfo numbers it
    if mask & STATX_MNT_ID_UNIQUE:
        result |= STATX_MNT_ID_UNIQUE
        mount += MNT_UNIQUE_ID_OFFSET
    else:
        result |= STATX_MNT_ID
    attributes = STATX_ATTR_MOUNT_ROOT if _mount_root(t, inode) else 0
    if tmpfs:  # shmem_getattr: chattr's flags that statx shows
        for fl, attr in ((FS_APPEND_FL, STATX_ATTR_APPEND), (FS_IMMUTABLE_FL, STATX_ATTR_IMMUTABLE),
                         (FS_NODUMP_FL, STATX_ATTR_NODUMP)):
            if inode.fsflags & fl:
                attributes |= attr
    attributes_mask = VFS_ATTRIBUTES | (TMPFS_ATTRIBUTES if tmpfs else 0)
    return STATX.pack(result, blksize, attributes, nlink, uid, gid, mode & 0xFFFF, ino, size, blocks,
                      attributes_mask, asec, ansec, bsec, bnsec, csec, cnsec, msec, mnsec,
                      os.major(rdev), os.minor(rdev), os.major(dev), os.minor(dev), mount, 0, 0)


@syscall("sys_statx")
def sys_statx(t: Task, dfd: int, filename: int, flags: int, mask: int, buffer: int, *_: int) -> int:
    dfd, flags, mask = s32(dfd), flags & 0xFFFFFFFF, mask & 0xFFFFFFFF
    # getname_maybe_null: with AT_EMPTY_PATH, a NULL or empty path names dfd itself. A path it
    # cannot read is an error do_statx reports only after its own checks of the mask and flags.
    name: bytes | Errno
    try:
        name = user_path_maybe_empty(t, filename, flags)
    except Errno as error:
        name = error
    if mask & STATX__RESERVED or flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE:
        raise Errno(EINVAL)
    inode: Inode
    if name == b"" and dfd >= 0:
        inode = t.files.get(dfd).inode  # do_statx_fd, fdget_raw: an O_PATH fd too, the other flags unchecked
    else:
        if flags & ~VALID_FLAGS:
            raise Errno(EINVAL)
        if isinstance(name, Errno):
            raise name
        if not name:
            if dfd != AT_FDCWD:
                raise Errno(EBADF)
            inode = t.fs.cwd
        else:
            inode = t.machine.fs.lookup(t, name, _base(t, dfd, name), follow=not flags & AT_SYMLINK_NOFOLLOW)
    copy_to_user(t.mm, buffer, statx_of(t, inode, mask))
    return 0
