"""Extended attributes (fs/xattr.c), kept as tmpfs keeps them (mm/shmem.c's xattr handlers).

The machine's files answer like a tmpfs built without POSIX ACLs: the
user., trusted. and security. namespaces hold attributes (user. only on
regular files and directories, trusted. only for root), system.posix_acl_*
is EOPNOTSUPP and any other namespace too. /proc, pipes and the host's fds
0-2 hold none. Every check comes in the order Linux makes it: the flags and
the name are read before the path is looked up, the namespace's rules
(xattr_permission) before the filesystem is asked. Each attribute is
charged to RAM (kernel/xattr.py).
"""

from __future__ import annotations

import stat
from typing import Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel import permission
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user, strncpy_from_user
from syscalltbl.machine.kernel.vfs import Inode
from syscalltbl.machine.kernel.xattr import Xattrs
from syscalltbl.machine.syscalls.fs import _base, s32, user_path_maybe_empty
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.syscalls.statx import on_tmpfs
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    E2BIG,
    EBADF,
    EINVAL,
    ENODATA,
    EOPNOTSUPP,
    EPERM,
    ERANGE,
    Errno,
)
from syscalltbl.machine.uapi.fcntl import AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_PATH
from syscalltbl.machine.uapi.xattr import (
    POSIX_ACL_XATTR_ENTRY_SIZE,
    POSIX_ACL_XATTR_HEADER,
    POSIX_ACL_XATTR_VERSION,
    XATTR_ARGS,
    XATTR_ARGS_SIZE_VER0,
    XATTR_CREATE,
    XATTR_LIST_MAX,
    XATTR_NAME_MAX,
    XATTR_NAME_POSIX_ACL_ACCESS,
    XATTR_NAME_POSIX_ACL_DEFAULT,
    XATTR_REPLACE,
    XATTR_SECURITY_PREFIX,
    XATTR_SIZE_MAX,
    XATTR_SYSTEM_PREFIX,
    XATTR_TRUSTED_PREFIX,
    XATTR_USER_PREFIX,
)

VALID_AT_FLAGS: Final = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH
#: The namespaces tmpfs has handlers for (shmem_xattr_handlers, without the ACL ones).
HANDLED: Final = (XATTR_SECURITY_PREFIX, XATTR_TRUSTED_PREFIX, XATTR_USER_PREFIX)
POSIX_ACL_NAMES: Final = (XATTR_NAME_POSIX_ACL_ACCESS, XATTR_NAME_POSIX_ACL_DEFAULT)
#: security.capability: its value must be a v2 or v3 vfs_cap_data (cap_convert_nscap's validheader).
XATTR_NAME_CAPS: Final = b"security.capability"
CAPS_SIZES: Final = {20: 2, 24: 3}  # XATTR_CAPS_SZ_2, _3 -> the revision their magic_etc names
ACL_TAGS: Final = frozenset({0x01, 0x02, 0x04, 0x08, 0x10, 0x20})  # ACL_USER_OBJ ... ACL_OTHER


# -- what every call reads first --


def _import_name(t: Task, addr: int) -> bytes:
    """import_xattr_name: empty or longer than XATTR_NAME_MAX is ERANGE."""
    name = strncpy_from_user(t.mm, addr, XATTR_NAME_MAX + 1)
    if not name or len(name) > XATTR_NAME_MAX:
        raise Errno(ERANGE)
    return name


def _check_at_flags(at_flags: int) -> None:
    if at_flags & 0xFFFFFFFF & ~VALID_AT_FLAGS:
        raise Errno(EINVAL)


def _target(t: Task, dfd: int, pathname: int, at_flags: int) -> Inode:
    """The inode a call names: with AT_EMPTY_PATH a NULL or empty path is dfd itself (getname_maybe_null)."""
    dfd = s32(dfd)
    name = user_path_maybe_empty(t, pathname, at_flags)
    if not name:
        if dfd >= 0:
            f = t.files.get(dfd)
            if f.flags & O_PATH:
                raise Errno(EBADF)  # fdget: an O_PATH descriptor does not count
            return f.inode
        if dfd != AT_FDCWD:
            raise Errno(EBADF)
        return t.fs.cwd
    return t.machine.fs.lookup(t, name, _base(t, dfd, name), follow=not at_flags & AT_SYMLINK_NOFOLLOW)


# -- the rules of the namespaces and of tmpfs --


def _privileged(t: Task) -> bool:
    return t.cred.euid == 0  # capable(CAP_SYS_ADMIN): the machine's root has every capability


def _permission(t: Task, inode: Inode, name: bytes, *, write: bool) -> None:
    """xattr_permission: security. and system. are the filesystem's to judge; trusted. is root's;
    user. is for regular files and directories, and in a sticky directory for its owner. Nothing of an
    immutable or append-only file changes (may_write_xattr)."""
    if write and (permission.immutable(inode) or permission.append_only(inode)):
        raise Errno(EPERM)
    if name.startswith((XATTR_SECURITY_PREFIX, XATTR_SYSTEM_PREFIX)):
        return
    refused = Errno(EPERM if write else ENODATA)
    if name.startswith(XATTR_TRUSTED_PREFIX) and not _privileged(t):
        raise refused
    if name.startswith(XATTR_USER_PREFIX):
        if inode.kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise refused
        sticky = inode.kind == stat.S_IFDIR and inode.mode & stat.S_ISVTX
        if write and sticky and inode.uid != t.cred.euid and not _privileged(t):
            raise refused


def _resolve(inode: Inode, name: bytes) -> None:
    """xattr_resolve_name: a filesystem without xattrs, or a namespace without a handler, is EOPNOTSUPP;
    a bare prefix ("user.") is EINVAL."""
    if not on_tmpfs(inode):
        raise Errno(EOPNOTSUPP)
    for prefix in HANDLED:
        if name.startswith(prefix):
            if name == prefix:
                raise Errno(EINVAL)
            return
    raise Errno(EOPNOTSUPP)


def _check_acl(value: bytes) -> None:
    """posix_acl_from_xattr: what makes a value no ACL at all, before the filesystem says it has none."""
    if len(value) < POSIX_ACL_XATTR_HEADER.size:
        raise Errno(EINVAL)
    if POSIX_ACL_XATTR_HEADER.unpack_from(value)[0] != POSIX_ACL_XATTR_VERSION:
        raise Errno(EOPNOTSUPP)
    entries = value[POSIX_ACL_XATTR_HEADER.size:]
    if len(entries) % POSIX_ACL_XATTR_ENTRY_SIZE:
        raise Errno(EINVAL)
    for at in range(0, len(entries), POSIX_ACL_XATTR_ENTRY_SIZE):
        if int.from_bytes(entries[at : at + 2], "little") not in ACL_TAGS:
            raise Errno(EINVAL)


def _check_caps(value: bytes) -> None:
    revision = CAPS_SIZES.get(len(value))
    if revision is None or int.from_bytes(value[:4], "little") >> 24 != revision:
        raise Errno(EINVAL)


# -- the four operations, on an inode --


def set_xattr(t: Task, inode: Inode, name: bytes, value: bytes | None, flags: int) -> None:
    """vfs_setxattr / vfs_removexattr (value None): the attribute made, replaced or removed."""
    if name in POSIX_ACL_NAMES:
        if value:
            _check_acl(value)
        raise Errno(EOPNOTSUPP)  # set_posix_acl: the filesystem has no ACLs
    if name == XATTR_NAME_CAPS and value:
        _check_caps(value)
    _permission(t, inode, name, write=True)
    _resolve(inode, name)
    if inode.xattrs is None and value is None:
        raise Errno(ENODATA)
    # A host file is kept in memory from now on (hostfs.py): ENOSPC here, before the attribute changes
    # (the ctime change below would pin it too, but only after).
    inode.pin()
    if inode.xattrs is None:
        inode.xattrs = Xattrs.of(inode, t.machine.ram)
    inode.xattrs.set(name, value, flags)
    inode.changed()  # shmem_xattr_handler_set moves ctime


def get_xattr(t: Task, inode: Inode, name: bytes) -> bytes:
    if name in POSIX_ACL_NAMES:
        raise Errno(EOPNOTSUPP)  # vfs_get_acl: no ACLs here (and no xattr_permission for them)
    _permission(t, inode, name, write=False)
    _resolve(inode, name)
    if inode.xattrs is None:
        raise Errno(ENODATA)
    return inode.xattrs.get(name)


def list_xattrs(t: Task, inode: Inode) -> bytes:
    """The names, each NUL-terminated; trusted. ones only for root (simple_xattr_list)."""
    if not on_tmpfs(inode) or inode.xattrs is None:
        return b""
    shown = [n for n in inode.xattrs.names() if _privileged(t) or not n.startswith(XATTR_TRUSTED_PREFIX)]
    return b"".join(n + b"\0" for n in shown)


# -- the calls --


def _set(t: Task, dfd: int, pathname: int, at_flags: int, name_addr: int, value_addr: int, size: int,
         flags: int) -> int:
    """path_setxattrat."""
    _check_at_flags(at_flags)
    if flags & 0xFFFFFFFF & ~(XATTR_CREATE | XATTR_REPLACE):
        raise Errno(EINVAL)
    name = _import_name(t, name_addr)
    if size > XATTR_SIZE_MAX:
        raise Errno(E2BIG)
    value = copy_from_user(t.mm, value_addr, size) if size else b""  # size 0: an empty value, not a removal
    set_xattr(t, _target(t, dfd, pathname, at_flags), name, value, flags & 0xFFFFFFFF)
    return 0


def _get(t: Task, dfd: int, pathname: int, at_flags: int, name_addr: int, value_addr: int, size: int) -> int:
    """path_getxattrat: size 0 asks how long the value is."""
    _check_at_flags(at_flags)
    name = _import_name(t, name_addr)
    value = get_xattr(t, _target(t, dfd, pathname, at_flags), name)
    if size:
        if len(value) > min(size, XATTR_SIZE_MAX):
            raise Errno(E2BIG if size >= XATTR_SIZE_MAX else ERANGE)
        copy_to_user(t.mm, value_addr, value)
    return len(value)


def _list(t: Task, dfd: int, pathname: int, at_flags: int, list_addr: int, size: int) -> int:
    _check_at_flags(at_flags)
    names = list_xattrs(t, _target(t, dfd, pathname, at_flags))
    if size:
        if len(names) > min(size, XATTR_LIST_MAX):
            raise Errno(E2BIG if size >= XATTR_LIST_MAX else ERANGE)
        copy_to_user(t.mm, list_addr, names)
    return len(names)


def _remove(t: Task, dfd: int, pathname: int, at_flags: int, name_addr: int) -> int:
    _check_at_flags(at_flags)
    name = _import_name(t, name_addr)
    set_xattr(t, _target(t, dfd, pathname, at_flags), name, None, XATTR_REPLACE)
    return 0


@syscall("sys_setxattr")
def sys_setxattr(t: Task, path: int, name: int, value: int, size: int, flags: int, *_: int) -> int:
    return _set(t, AT_FDCWD, path, 0, name, value, size, flags)


@syscall("sys_lsetxattr")
def sys_lsetxattr(t: Task, path: int, name: int, value: int, size: int, flags: int, *_: int) -> int:
    return _set(t, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, name, value, size, flags)


@syscall("sys_fsetxattr")
def sys_fsetxattr(t: Task, fd: int, name: int, value: int, size: int, flags: int, *_: int) -> int:
    return _set(t, fd, 0, AT_EMPTY_PATH, name, value, size, flags)


@syscall("sys_getxattr")
def sys_getxattr(t: Task, path: int, name: int, value: int, size: int, *_: int) -> int:
    return _get(t, AT_FDCWD, path, 0, name, value, size)


@syscall("sys_lgetxattr")
def sys_lgetxattr(t: Task, path: int, name: int, value: int, size: int, *_: int) -> int:
    return _get(t, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, name, value, size)


@syscall("sys_fgetxattr")
def sys_fgetxattr(t: Task, fd: int, name: int, value: int, size: int, *_: int) -> int:
    return _get(t, fd, 0, AT_EMPTY_PATH, name, value, size)


@syscall("sys_listxattr")
def sys_listxattr(t: Task, path: int, names: int, size: int, *_: int) -> int:
    return _list(t, AT_FDCWD, path, 0, names, size)


@syscall("sys_llistxattr")
def sys_llistxattr(t: Task, path: int, names: int, size: int, *_: int) -> int:
    return _list(t, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, names, size)


@syscall("sys_flistxattr")
def sys_flistxattr(t: Task, fd: int, names: int, size: int, *_: int) -> int:
    return _list(t, fd, 0, AT_EMPTY_PATH, names, size)


@syscall("sys_removexattr")
def sys_removexattr(t: Task, path: int, name: int, *_: int) -> int:
    return _remove(t, AT_FDCWD, path, 0, name)


@syscall("sys_lremovexattr")
def sys_lremovexattr(t: Task, path: int, name: int, *_: int) -> int:
    return _remove(t, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, name)


@syscall("sys_fremovexattr")
def sys_fremovexattr(t: Task, fd: int, name: int, *_: int) -> int:
    return _remove(t, fd, 0, AT_EMPTY_PATH, name)


def _xattr_args(t: Task, uargs: int, usize: int) -> tuple[int, int, int]:
    """copy_struct_from_user of struct xattr_args: (value, size, flags); a longer struct's tail must be zero."""
    if usize < XATTR_ARGS_SIZE_VER0:
        raise Errno(EINVAL)
    if usize > PAGE_SIZE:
        raise Errno(E2BIG)
    data = copy_from_user(t.mm, uargs, usize)
    if any(data[XATTR_ARGS.size:]):
        raise Errno(E2BIG)
    value, size, flags = XATTR_ARGS.unpack_from(data)
    return value, size, flags


@syscall("sys_setxattrat")
def sys_setxattrat(t: Task, dfd: int, path: int, at_flags: int, name: int, uargs: int, usize: int) -> int:
    value, size, flags = _xattr_args(t, uargs, usize)
    return _set(t, dfd, path, at_flags, name, value, size, flags)


@syscall("sys_getxattrat")
def sys_getxattrat(t: Task, dfd: int, path: int, at_flags: int, name: int, uargs: int, usize: int) -> int:
    value, size, flags = _xattr_args(t, uargs, usize)
    if flags:
        raise Errno(EINVAL)
    return _get(t, dfd, path, at_flags, name, value, size)


@syscall("sys_listxattrat")
def sys_listxattrat(t: Task, dfd: int, path: int, at_flags: int, names: int, size: int, *_: int) -> int:
    return _list(t, dfd, path, at_flags, names, size)


@syscall("sys_removexattrat")
def sys_removexattrat(t: Task, dfd: int, path: int, at_flags: int, name: int, *_: int) -> int:
    return _remove(t, dfd, path, at_flags, name)
