"""chattr's inode flags by path: the file_getattr and file_setattr calls (fs/file_attr.c). The ioctls
(FS_IOC_GETFLAGS ...) and what the flags are and where they apply: kernel/fileattr.py."""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel import fileattr, fsnotify, permission
from syscalltbl.machine.kernel.fileattr import FileAttr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import Inode
from syscalltbl.machine.syscalls.fs import _base, s32, user_path_maybe_empty
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import E2BIG, EBADF, EINVAL, EOPNOTSUPP, Errno
from syscalltbl.machine.uapi.fcntl import AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, O_PATH
from syscalltbl.machine.uapi.fileattr import FILE_ATTR, FILE_ATTR_SIZE_VER0, FS_XFLAG_RDONLY_MASK, FS_XFLAGS_MASK


def _set(t: Task, inode: Inode, fa: FileAttr) -> None:
    """mnt_want_write, then vfs_fileattr_set."""
    permission.check_writable(inode)
    fileattr.set_attr(t, inode, fa)
    fsnotify.attrib(inode)


def _check_args(at_flags: int, usize: int) -> None:
    if at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise Errno(EINVAL)
    if usize > PAGE_SIZE:
        raise Errno(E2BIG)
    if usize < FILE_ATTR_SIZE_VER0:
        raise Errno(EINVAL)


def _target(t: Task, dfd: int, filename: int, at_flags: int) -> Inode:
    """getname_maybe_null, then the fd itself (not an O_PATH one: fdget) or a path lookup."""
    name = user_path_maybe_empty(t, filename, at_flags)
    dfd = s32(dfd)
    if not name and dfd >= 0:
        f = t.files.get(dfd)
        if f.flags & O_PATH:
            raise Errno(EBADF)
        return f.inode
    if not name:
        return t.fs.cwd  # AT_FDCWD with AT_EMPTY_PATH: the working directory
    follow = not at_flags & AT_SYMLINK_NOFOLLOW
    return t.machine.fs.lookup(t, name, _base(t, dfd, name), follow=follow)


@syscall("sys_file_getattr")
def sys_file_getattr(t: Task, dfd: int, filename: int, ufattr: int, usize: int, at_flags: int, *_: int) -> int:
    at_flags &= 0xFFFFFFFF
    _check_args(at_flags, usize)
    inode = _target(t, dfd, filename, at_flags)
    if not fileattr.supported(inode):
        raise Errno(EOPNOTSUPP)
    got = fileattr.get(inode)
    raw = FILE_ATTR.pack(got.xflags & FS_XFLAGS_MASK, got.extsize, got.nextents, got.projid, got.cowextsize)
    copy_to_user(t.mm, ufattr, raw[:usize].ljust(usize, b"\0"))  # copy_struct_to_user: zeros past what is known
    return 0


@syscall("sys_file_setattr")
def sys_file_setattr(t: Task, dfd: int, filename: int, ufattr: int, usize: int, at_flags: int, *_: int) -> int:
    at_flags &= 0xFFFFFFFF
    _check_args(at_flags, usize)
    raw = copy_from_user(t.mm, ufattr, usize)
    if any(raw[FILE_ATTR.size:]):
        raise Errno(E2BIG)  # copy_struct_from_user: a larger struct only with zeros past what is known
    xflags, extsize, _nextents, projid, cowextsize = FILE_ATTR.unpack(raw[:FILE_ATTR.size].ljust(FILE_ATTR.size,
                                                                                                  b"\0"))
    if xflags & ~FS_XFLAGS_MASK:
        raise Errno(EINVAL)  # file_attr_to_fileattr
    fa = fileattr.from_xflags(xflags & ~FS_XFLAG_RDONLY_MASK)
    fa.extsize, fa.projid, fa.cowextsize = extsize, projid, cowextsize
    inode = _target(t, dfd, filename, at_flags)
    if not fileattr.supported(inode):
        permission.check_writable(inode)
        raise Errno(EOPNOTSUPP)
    _set(t, inode, fa)
    return 0
