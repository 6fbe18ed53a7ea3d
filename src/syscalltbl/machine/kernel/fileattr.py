"""Inode flags, chattr's (fs/file_attr.c, and mm/shmem.c's shmem_fileattr_get/set for the files they apply to).

The machine's own files are tmpfs's (a mounted tmpfs, /dev/shm, and the
overlay root's upper layer, where a host file is copied up when its flags
change): a regular file or a directory keeps FS_IMMUTABLE_FL, FS_APPEND_FL,
FS_NODUMP_FL and FS_NOATIME_FL (FS_CASEFOLD_FL needs an encoding the machine
has not: EOPNOTSUPP), the FS_XFLAG_* of FS_IOC_FSSETXATTR and file_setattr
only where they mean the same. /proc, pipes, sockets and devices have none
(ENOTTY from the ioctls, EOPNOTSUPP from the calls).

What the flags do is checked where Linux checks it: kernel/permission.py
(no writing an immutable inode, no removing an immutable or append-only one
or a name from an append-only directory), and the open, truncate, link,
setattr, xattr, fcntl and fallocate paths (permission.immutable, append_only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel import fsnotify, permission
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.uapi.capability import CAP_LINUX_IMMUTABLE
from syscalltbl.machine.uapi.errno import EOPNOTSUPP, EPERM, Errno
from syscalltbl.machine.uapi.fileattr import (
    FL_TO_XFLAG,
    FS_APPEND_FL,
    FS_CASEFOLD_FL,
    FS_COMMON_FL,
    FS_FL_USER_VISIBLE,
    FS_IMMUTABLE_FL,
    FS_IOC_FSGETXATTR,
    FS_IOC_FSSETXATTR,
    FS_IOC_GETFLAGS,
    FS_IOC_SETFLAGS,
    FS_NOATIME_FL,
    FS_NODUMP_FL,
    FS_XFLAG_COMMON,
    FS_XFLAG_RDONLY_MASK,
    FS_XFLAGS_MASK,
    FSXATTR,
)
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.kernel.vfs import Inode, OpenFile

#: What tmpfs keeps and lets change (SHMEM_FL_USER_VISIBLE, SHMEM_FL_USER_MODIFIABLE).
SHMEM_FL_USER_VISIBLE: Final = FS_FL_USER_VISIBLE
SHMEM_FL_USER_MODIFIABLE: Final = FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL | FS_NOATIME_FL | FS_CASEFOLD_FL
#: The requests do_vfs_ioctl answers for every file before its own ioctl.
IOCTLS: Final = frozenset({FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR})


class FileAttr(Value):
    """struct file_kattr: the flags both ways, and which of the two interfaces filled it in."""

    flags: int
    xflags: int
    extsize: int
    nextents: int
    projid: int
    cowextsize: int
    flags_valid: bool
    fsx_valid: bool

    __slots__ = _fields = ("flags", "xflags", "extsize", "nextents", "projid", "cowextsize", "flags_valid", "fsx_valid")

    def __init__(
        self,
        flags: int = 0,
        xflags: int = 0,
        extsize: int = 0,
        nextents: int = 0,
        projid: int = 0,
        cowextsize: int = 0,
        flags_valid: bool = False,
        fsx_valid: bool = False,
    ) -> None:
        self.flags = flags
        self.xflags = xflags
        self.extsize = extsize
        self.nextents = nextents
        self.projid = projid
        self.cowextsize = cowextsize
        self.flags_valid = flags_valid
        self.fsx_valid = fsx_valid

    def has_fsx(self) -> bool:
        """fileattr_has_fsx: it asks for something only an XFS-like filesystem has."""
        return self.fsx_valid and bool(self.xflags & ~FS_XFLAG_COMMON or self.extsize or self.projid
                                       or self.cowextsize)


def from_flags(flags: int) -> FileAttr:
    """fileattr_fill_flags."""
    xflags = 0
    for fl, xfl in FL_TO_XFLAG:
        if flags & fl:
            xflags |= xfl
    return FileAttr(flags=flags, xflags=xflags, flags_valid=True)


def from_xflags(xflags: int) -> FileAttr:
    """fileattr_fill_xflags."""
    flags = 0
    for fl, xfl in FL_TO_XFLAG:
        if xflags & xfl:
            flags |= fl
    return FileAttr(flags=flags, xflags=xflags, fsx_valid=True)


def supported(inode: Inode) -> bool:
    """The inode has ->fileattr_get and ->fileattr_set: a regular file or directory of the machine's tree."""
    from syscalltbl.machine.kernel.vfs import Directory, Regular  # vfs is above: only when asked

    return isinstance(inode, Regular | Directory) and getattr(inode, "in_tree", True) and inode.sb is not None \
        and inode.sb.fstype != b"proc"


def get(inode: Inode) -> FileAttr:
    """vfs_fileattr_get (shmem_fileattr_get)."""
    return from_flags(inode.fsflags & SHMEM_FL_USER_VISIBLE)


def set_attr(t: Task, inode: Inode, fa: FileAttr) -> None:
    """vfs_fileattr_set, then shmem_fileattr_set. The caller has checked that the mount is writable."""
    if not permission.is_owner(t.cred, inode):
        raise Errno(EPERM)
    old = get(inode)
    if fa.flags_valid:
        fa.xflags |= old.xflags & ~FS_XFLAG_COMMON
    else:
        fa.flags |= old.flags & ~FS_COMMON_FL
    if (fa.flags ^ old.flags) & (FS_APPEND_FL | FS_IMMUTABLE_FL) and not t.cred.capable(CAP_LINUX_IMMUTABLE):
        raise Errno(EPERM)  # fileattr_set_prepare
    if fa.has_fsx() or fa.flags & ~SHMEM_FL_USER_MODIFIABLE:
        raise Errno(EOPNOTSUPP)
    if (fa.flags ^ old.flags) & FS_CASEFOLD_FL:
        raise Errno(EOPNOTSUPP)  # shmem_set_casefold: the filesystem has no encoding
    inode.fsflags = (inode.fsflags & ~SHMEM_FL_USER_MODIFIABLE) | (fa.flags & SHMEM_FL_USER_MODIFIABLE)
    inode.changed()


def ioctl(t: Task, f: OpenFile, request: int, arg: int) -> bool:
    """ioctl_getflags, ioctl_setflags, ioctl_fsgetxattr, ioctl_fssetxattr; False: the file has no flags, and the
    request goes to its own ioctl (ENOIOCTLCMD), after what was read from `arg` (get_user comes first)."""
    inode = f.inode
    fa = FileAttr()
    if request == FS_IOC_SETFLAGS:
        fa = from_flags(int.from_bytes(copy_from_user(t.mm, arg, 4), "little"))
    elif request == FS_IOC_FSSETXATTR:
        xflags, extsize, nextents, projid, cowextsize = FSXATTR.unpack(copy_from_user(t.mm, arg, FSXATTR.size))
        if xflags & ~FS_XFLAGS_MASK:
            raise Errno(EOPNOTSUPP)  # copy_fsxattr_from_user
        fa = from_xflags(xflags & ~FS_XFLAG_RDONLY_MASK)
        fa.extsize, fa.nextents, fa.projid, fa.cowextsize = extsize, nextents, projid, cowextsize
    if request in (FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR):
        permission.check_writable(inode)  # mnt_want_write_file
    if not supported(inode):
        return False
    if request == FS_IOC_GETFLAGS:
        copy_to_user(t.mm, arg, get(inode).flags.to_bytes(4, "little"))
    elif request == FS_IOC_FSGETXATTR:
        got = get(inode)
        copy_to_user(t.mm, arg, FSXATTR.pack(got.xflags & FS_XFLAGS_MASK, got.extsize, got.nextents, got.projid,
                                             got.cowextsize))
    else:
        set_attr(t, inode, fa)
        fsnotify.attrib(inode)
    return True
