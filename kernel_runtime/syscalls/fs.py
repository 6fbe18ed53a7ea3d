"""File-system calls over the in-memory tree (fs/read_write.c, fs/namei.c, fs/open.c, ...)."""

from __future__ import annotations

import os
import struct

from syscalltbl.kernel_runtime.errnos import (
    EACCES,
    EBADF,
    EEXIST,
    EINVAL,
    EISDIR,
    ENOENT,
    ENOTDIR,
    EPERM,
    EPIPE,
    ERANGE,
    Errno,
)  # fmt: skip
from syscalltbl.kernel_runtime.process import SIGPIPE, Task
from syscalltbl.kernel_runtime.syscalls.registry import syscall
from syscalltbl.kernel_runtime.uaccess import copy_from_user, copy_to_user, strncpy_from_user, user_range
from syscalltbl.kernel_runtime.vfs import (
    AT_FDCWD,
    DT,
    O_APPEND,
    O_CLOEXEC,
    O_NONBLOCK,
    PATH_MAX,
    Directory,
    HostFile,
    Inode,
    OpenFile,
    Pipe,
    PipeEnd,
    Symlink,
    seek,
)  # fmt: skip

MAX_RW_COUNT = 0x7FFFF000  # include/linux/fs.h: INT_MAX rounded down to a page
UIO_MAXIOV = 1024
AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_EMPTY_PATH = 0x100, 0x200, 0x1000
F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC = 0, 1, 2, 3, 4, 1030
FD_CLOEXEC = 1
RENAME_NOREPLACE = 1
FS_DEV = 0x2A  # st_dev of every file in the in-memory tree
# struct stat (arch/x86/include/uapi/asm/stat.h), 144 bytes
_STAT = struct.Struct("<QQQIIIxxxxQqqqQQQQQQ24x")
_IOVEC = struct.Struct("<QQ")


def s32(value: int) -> int:
    """An `int` argument: the low half of the register, sign-extended."""
    return ((value & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000


def s64(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value


def user_path(t: Task, addr: int) -> bytes:
    path = strncpy_from_user(t.mm, addr, PATH_MAX)
    if len(path) >= PATH_MAX:
        raise Errno(36)  # ENAMETOOLONG
    if not path:
        raise Errno(ENOENT)
    return path


def _base(t: Task, dirfd: int) -> Directory:
    """Where a relative path of an *at call starts."""
    dirfd = s32(dirfd)
    if dirfd == AT_FDCWD:
        return t.cwd
    inode = t.files.get(dirfd).inode
    if not isinstance(inode, Directory):
        raise Errno(ENOTDIR)
    return inode


# -- reading and writing --


def _readable(t: Task, fd: int) -> OpenFile:
    f = t.files.get(s32(fd))
    if not f.readable():
        raise Errno(EBADF)
    if isinstance(f.inode, Directory):
        raise Errno(EISDIR)
    return f


def _writable(t: Task, fd: int) -> OpenFile:
    f = t.files.get(s32(fd))
    if not f.writable():
        raise Errno(EBADF)
    return f


def _write(t: Task, f: OpenFile, data: bytes) -> int:
    try:
        return f.inode.write(f, data)
    except Errno as exc:
        if exc.errno == EPIPE:
            t.kill(SIGPIPE)  # no handlers here: SIGPIPE's default action
        raise


@syscall("sys_read")
def sys_read(t: Task, fd: int, buf: int, count: int, *_: int) -> int:
    f = _readable(t, fd)
    count = min(count, MAX_RW_COUNT)
    user_range(t.mm, buf, count, write=True)  # fault before consuming input
    data = f.inode.read(f, count)
    copy_to_user(t.mm, buf, data)
    return len(data)


@syscall("sys_write")
def sys_write(t: Task, fd: int, buf: int, count: int, *_: int) -> int:
    f = _writable(t, fd)
    return _write(t, f, copy_from_user(t.mm, buf, min(count, MAX_RW_COUNT)))


def _at_offset(f: OpenFile, pos: int) -> int:
    if not f.inode.seekable():
        raise Errno(29)  # ESPIPE
    pos = s64(pos)
    if pos < 0:
        raise Errno(EINVAL)
    return pos


@syscall("sys_pread64")
def sys_pread64(t: Task, fd: int, buf: int, count: int, pos: int, *_: int) -> int:
    f = _readable(t, fd)
    saved, f.offset = f.offset, _at_offset(f, pos)
    try:
        user_range(t.mm, buf, min(count, MAX_RW_COUNT), write=True)
        data = f.inode.read(f, min(count, MAX_RW_COUNT))
    finally:
        f.offset = saved
    copy_to_user(t.mm, buf, data)
    return len(data)


@syscall("sys_pwrite64")
def sys_pwrite64(t: Task, fd: int, buf: int, count: int, pos: int, *_: int) -> int:
    f = _writable(t, fd)
    data = copy_from_user(t.mm, buf, min(count, MAX_RW_COUNT))
    saved, f.offset = f.offset, _at_offset(f, pos)
    flags, f.flags = f.flags, f.flags & ~O_APPEND
    try:
        return _write(t, f, data)
    finally:
        f.offset, f.flags = saved, flags


def _iovecs(t: Task, iov: int, count: int) -> list[tuple[int, int]]:
    if count > UIO_MAXIOV:
        raise Errno(EINVAL)
    raw = copy_from_user(t.mm, iov, _IOVEC.size * count)
    vecs = [_IOVEC.unpack_from(raw, i * _IOVEC.size) for i in range(count)]
    if sum(n for _, n in vecs) > MAX_RW_COUNT or any(n >> 63 for _, n in vecs):
        raise Errno(EINVAL)
    return vecs


@syscall("sys_readv")
def sys_readv(t: Task, fd: int, iov: int, count: int, *_: int) -> int:
    f = _readable(t, fd)
    vecs = _iovecs(t, iov, count)
    for base, n in vecs:
        user_range(t.mm, base, n, write=True)
    data = f.inode.read(f, sum(n for _, n in vecs))
    done = 0
    for base, n in vecs:
        copy_to_user(t.mm, base, data[done : done + n])
        done += n
        if done >= len(data):
            break
    return len(data)


@syscall("sys_writev")
def sys_writev(t: Task, fd: int, iov: int, count: int, *_: int) -> int:
    f = _writable(t, fd)
    data = b"".join(copy_from_user(t.mm, base, n) for base, n in _iovecs(t, iov, count))
    return _write(t, f, data)


@syscall("sys_lseek")
def sys_lseek(t: Task, fd: int, offset: int, whence: int, *_: int) -> int:
    return seek(t.files.get(s32(fd)), s64(offset), whence)


# -- opening and closing --


@syscall("sys_openat")
def sys_openat(t: Task, dirfd: int, path: int, flags: int, mode: int, *_: int) -> int:
    name = user_path(t, path)
    flags &= 0xFFFFFFFF
    f = t.machine.fs.open(t, name, _base(t, dirfd), flags, mode)
    return t.files.install(f, cloexec=bool(flags & O_CLOEXEC))


@syscall("sys_open")
def sys_open(t: Task, path: int, flags: int, mode: int, *_: int) -> int:
    return sys_openat(t, AT_FDCWD, path, flags, mode, 0, 0)


@syscall("sys_close")
def sys_close(t: Task, fd: int, *_: int) -> int:
    t.files.close(s32(fd))
    return 0


@syscall("sys_dup")
def sys_dup(t: Task, fd: int, *_: int) -> int:
    return t.files.install(t.files.get(s32(fd)))


@syscall("sys_dup3")
def sys_dup3(t: Task, old: int, new: int, flags: int, *_: int) -> int:
    old, new = s32(old), s32(new)
    if old == new or flags & ~O_CLOEXEC:
        raise Errno(EINVAL)
    f = t.files.get(old)
    if not 0 <= new < 1024:
        raise Errno(EBADF)
    t.files.put(new, f, bool(flags & O_CLOEXEC))
    return new


@syscall("sys_dup2")
def sys_dup2(t: Task, old: int, new: int, *_: int) -> int:
    if s32(old) == s32(new):
        t.files.get(s32(old))
        return s32(new)
    return sys_dup3(t, old, new, 0, 0, 0, 0)


@syscall("sys_fcntl")
def sys_fcntl(t: Task, fd: int, cmd: int, arg: int, *_: int) -> int:
    fd = s32(fd)
    f = t.files.get(fd)
    if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
        if not 0 <= s32(arg) < 1024:
            raise Errno(EINVAL)
        return t.files.install(f, lowest=s32(arg), cloexec=cmd == F_DUPFD_CLOEXEC)
    if cmd == F_GETFD:
        return FD_CLOEXEC if t.files.fds[fd][1] else 0
    if cmd == F_SETFD:
        t.files.fds[fd] = (f, bool(arg & FD_CLOEXEC))
        return 0
    if cmd == F_GETFL:
        return f.flags & ~O_CLOEXEC
    if cmd == F_SETFL:
        changeable = O_APPEND | O_NONBLOCK
        f.flags = (f.flags & ~changeable) | (arg & changeable)
        return 0
    raise Errno(EINVAL)


@syscall("sys_pipe2")
def sys_pipe2(t: Task, fds: int, flags: int, *_: int) -> int:
    if flags & ~(O_CLOEXEC | O_NONBLOCK):
        raise Errno(EINVAL)
    user_range(t.mm, fds, 8, write=True)
    pipe = Pipe()
    cloexec, status = bool(flags & O_CLOEXEC), flags & O_NONBLOCK
    ends = (OpenFile(PipeEnd(pipe, writer=False), status, b"pipe:[%d]" % id(pipe)),
            OpenFile(PipeEnd(pipe, writer=True), status | 1, b"pipe:[%d]" % id(pipe)))
    read_fd = t.files.install(ends[0], cloexec=cloexec)
    try:
        write_fd = t.files.install(ends[1], cloexec=cloexec)
    except Errno:
        t.files.close(read_fd)
        raise
    copy_to_user(t.mm, fds, struct.pack("<ii", read_fd, write_fd))
    return 0


@syscall("sys_pipe")
def sys_pipe(t: Task, fds: int, *_: int) -> int:
    return sys_pipe2(t, fds, 0, 0, 0, 0, 0)


@syscall("sys_ioctl")
def sys_ioctl(t: Task, fd: int, request: int, arg: int, *_: int) -> int:
    f = t.files.get(s32(fd))
    # The command is an unsigned int in the kernel's prototype.
    return f.inode.unlocked_ioctl(t, f, request & 0xFFFFFFFF, arg)


# -- metadata --


def _stat(inode: Inode) -> bytes:
    if isinstance(inode, HostFile):
        try:
            st = os.fstat(inode.fd)
        except OSError as exc:
            raise Errno(exc.errno or EBADF) from None
        return _STAT.pack(st.st_dev, st.st_ino, st.st_nlink, st.st_mode, 0, 0, st.st_rdev, st.st_size,
                          st.st_blksize, st.st_blocks, *divmod(st.st_atime_ns, 10**9),
                          *divmod(st.st_mtime_ns, 10**9), *divmod(st.st_ctime_ns, 10**9))
    size = inode.size()
    sec, nsec = divmod(inode.mtime, 10**9)
    nlink = 2 + sum(isinstance(i, Directory) for i in inode.entries.values()) if isinstance(inode, Directory) else 1
    return _STAT.pack(FS_DEV, inode.ino, nlink, inode.mode, 0, 0, inode.rdev, size, 4096, (size + 511) // 512,
                      sec, nsec, sec, nsec, sec, nsec)


@syscall("sys_newfstat")
def sys_newfstat(t: Task, fd: int, buf: int, *_: int) -> int:
    copy_to_user(t.mm, buf, _stat(t.files.get(s32(fd)).inode))
    return 0


@syscall("sys_newfstatat")
def sys_newfstatat(t: Task, dirfd: int, path: int, buf: int, flags: int, *_: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise Errno(EINVAL)
    name = strncpy_from_user(t.mm, path, PATH_MAX)
    if not name and flags & AT_EMPTY_PATH:
        inode: Inode = t.cwd if s32(dirfd) == AT_FDCWD else t.files.get(s32(dirfd)).inode
    else:
        inode = t.machine.fs.lookup(t, user_path(t, path), _base(t, dirfd), follow=not flags & AT_SYMLINK_NOFOLLOW)
    copy_to_user(t.mm, buf, _stat(inode))
    return 0


@syscall("sys_newstat")
def sys_newstat(t: Task, path: int, buf: int, *_: int) -> int:
    return sys_newfstatat(t, AT_FDCWD, path, buf, 0, 0, 0)


@syscall("sys_newlstat")
def sys_newlstat(t: Task, path: int, buf: int, *_: int) -> int:
    return sys_newfstatat(t, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW, 0, 0)


@syscall("sys_faccessat")
def sys_faccessat(t: Task, dirfd: int, path: int, mode: int, *_: int) -> int:
    if mode & ~7:
        raise Errno(EINVAL)
    inode = t.machine.fs.lookup(t, user_path(t, path), _base(t, dirfd))
    if mode & 1 and not isinstance(inode, Directory) and not inode.mode & 0o111:
        raise Errno(EACCES)  # root may read and write anything, but not run a non-executable
    return 0


@syscall("sys_access")
def sys_access(t: Task, path: int, mode: int, *_: int) -> int:
    return sys_faccessat(t, AT_FDCWD, path, mode, 0, 0, 0)


@syscall("sys_getdents64")
def sys_getdents64(t: Task, fd: int, dirp: int, count: int, *_: int) -> int:
    f = t.files.get(s32(fd))
    if not isinstance(f.inode, Directory):
        raise Errno(ENOTDIR)
    out = bytearray()
    listing = f.inode.listing(t)
    while f.offset < len(listing):
        name, inode = listing[f.offset]
        reclen = (19 + len(name) + 1 + 7) & ~7
        if len(out) + reclen > count:
            if not out:
                raise Errno(EINVAL)  # the buffer cannot hold one entry
            break
        record = struct.pack("<QqHB", inode.ino, f.offset + 1, reclen, DT.get(inode.kind, 0)) + name
        out += record.ljust(reclen, b"\0")
        f.offset += 1
    copy_to_user(t.mm, dirp, out)
    return len(out)


@syscall("sys_readlinkat")
def sys_readlinkat(t: Task, dirfd: int, path: int, buf: int, size: int, *_: int) -> int:
    if s32(size) <= 0:
        raise Errno(EINVAL)
    inode = t.machine.fs.lookup(t, user_path(t, path), _base(t, dirfd), follow=False)
    if not isinstance(inode, Symlink):
        raise Errno(EINVAL)
    target = inode.target(t)[: s32(size)]
    copy_to_user(t.mm, buf, target)
    return len(target)


@syscall("sys_readlink")
def sys_readlink(t: Task, path: int, buf: int, size: int, *_: int) -> int:
    return sys_readlinkat(t, AT_FDCWD, path, buf, size, 0, 0)


@syscall("sys_umask")
def sys_umask(t: Task, mask: int, *_: int) -> int:
    old, t.umask = t.umask, mask & 0o777
    return old


# -- the namespace --


@syscall("sys_mkdirat")
def sys_mkdirat(t: Task, dirfd: int, path: int, mode: int, *_: int) -> int:
    parent, name, node = t.machine.fs.walk(t, user_path(t, path), _base(t, dirfd), follow=False)
    if node is not None:
        raise Errno(EEXIST)
    if type(parent) is not Directory:
        raise Errno(EPERM)
    parent.add(name, Directory(parent, mode & 0o7777 & ~t.umask))
    return 0


@syscall("sys_mkdir")
def sys_mkdir(t: Task, path: int, mode: int, *_: int) -> int:
    return sys_mkdirat(t, AT_FDCWD, path, mode, 0, 0, 0)


@syscall("sys_unlinkat")
def sys_unlinkat(t: Task, dirfd: int, path: int, flags: int, *_: int) -> int:
    if flags & ~AT_REMOVEDIR:
        raise Errno(EINVAL)
    t.machine.fs.unlink(t, user_path(t, path), _base(t, dirfd), directory=bool(flags & AT_REMOVEDIR))
    return 0


@syscall("sys_unlink")
def sys_unlink(t: Task, path: int, *_: int) -> int:
    return sys_unlinkat(t, AT_FDCWD, path, 0, 0, 0, 0)


@syscall("sys_rmdir")
def sys_rmdir(t: Task, path: int, *_: int) -> int:
    return sys_unlinkat(t, AT_FDCWD, path, AT_REMOVEDIR, 0, 0, 0)


@syscall("sys_renameat2")
def sys_renameat2(t: Task, olddirfd: int, old: int, newdirfd: int, new: int, flags: int, *_: int) -> int:
    if flags & ~RENAME_NOREPLACE:
        raise Errno(EINVAL)
    fs = t.machine.fs
    old_name, new_name = user_path(t, old), user_path(t, new)
    if flags & RENAME_NOREPLACE and fs.walk(t, new_name, _base(t, newdirfd), follow=False)[2] is not None:
        raise Errno(EEXIST)
    fs.rename(t, old_name, new_name, _base(t, olddirfd), _base(t, newdirfd))
    return 0


@syscall("sys_renameat")
def sys_renameat(t: Task, olddirfd: int, old: int, newdirfd: int, new: int, *_: int) -> int:
    return sys_renameat2(t, olddirfd, old, newdirfd, new, 0, 0)


@syscall("sys_rename")
def sys_rename(t: Task, old: int, new: int, *_: int) -> int:
    return sys_renameat2(t, AT_FDCWD, old, AT_FDCWD, new, 0, 0)


@syscall("sys_getcwd")
def sys_getcwd(t: Task, buf: int, size: int, *_: int) -> int:
    path = t.machine.fs.path_of(t.cwd) + b"\0"
    if len(path) > size:
        raise Errno(ERANGE)
    copy_to_user(t.mm, buf, path)
    return len(path)


@syscall("sys_chdir")
def sys_chdir(t: Task, path: int, *_: int) -> int:
    inode = t.machine.fs.lookup(t, user_path(t, path), t.cwd)
    if not isinstance(inode, Directory):
        raise Errno(ENOTDIR)
    t.cwd = inode
    return 0


@syscall("sys_fchdir")
def sys_fchdir(t: Task, fd: int, *_: int) -> int:
    f = t.files.get(s32(fd))
    if not isinstance(f.inode, Directory):
        raise Errno(ENOTDIR)
    t.cwd = f.inode
    return 0



