"""File-system calls over the in-memory tree (fs/read_write.c, fs/namei.c, fs/open.c, ...)."""

from __future__ import annotations

import os
import stat
import struct
import time
from typing import Final

from syscalltbl.machine.kernel import dnotify, fileattr, fsnotify, landlock, lease, memfd, permission, signals
from syscalltbl.machine.kernel.fsize import check_new_size, write_limit
from syscalltbl.machine.kernel.permission import MAY_WRITE
from syscalltbl.machine.kernel.pidns import tgid_vnr
from syscalltbl.machine.kernel.pipesize import pipe_fcntl
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.procfs import PROC_INODES
from syscalltbl.machine.kernel.secretmem import SecretMem
from syscalltbl.machine.kernel.uaccess import (  # fmt: skip
    access_ok,
    copy_from_user,
    copy_to_user,
    strncpy_from_user,
    user_extent,
    user_range,
)
from syscalltbl.machine.kernel.userns import (
    INIT_USER_NS,
    INVALID_ID,
    UserNamespace,
    from_kgid_munged,
    from_kuid_munged,
    make_kgid,
    make_kuid,
)
from syscalltbl.machine.kernel.vfs import (
    BLOCK_SIZE,
    FS_DEV,
    UNLIMITED_ROOM,
    Device,
    Directory,
    HostFile,
    Inode,
    OpenFile,
    Pipe,
    PipeEnd,
    Regular,
    Symlink,
    deny_write,
    seek,
)
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.fcntl_owner import O_ASYNC, OWNER_COMMANDS, do_fcntl_owner, pipe_io, set_async
from syscalltbl.machine.syscalls.fileargs import MAX_RW_COUNT as MAX_RW_COUNT
from syscalltbl.machine.syscalls.fileargs import base_dir
from syscalltbl.machine.syscalls.fileargs import s32 as s32
from syscalltbl.machine.syscalls.fileargs import user_path as user_path
from syscalltbl.machine.syscalls.fileargs import user_path_maybe_empty as user_path_maybe_empty
from syscalltbl.machine.syscalls.locks import LOCK_COMMANDS, do_fcntl_lock
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.dnotify import F_NOTIFY
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EACCES,
    EBADF,
    EEXIST,
    EFAULT,
    EINVAL,
    EISDIR,
    ENOENT,
    EOPNOTSUPP,
    EPERM,
    EPIPE,
    ESPIPE,
    EXDEV,
    Errno,
)
from syscalltbl.machine.uapi.fanotify import FAN_ACCESS_PERM, FAN_OPEN_PERM
from syscalltbl.machine.uapi.fcntl import (
    AT_EMPTY_PATH,
    AT_FDCWD,
    AT_REMOVEDIR,
    AT_SYMLINK_FOLLOW,
    AT_SYMLINK_NOFOLLOW,
    F_ADD_SEALS,
    F_CREATED_QUERY,
    F_DUPFD,
    F_DUPFD_CLOEXEC,
    F_GET_SEALS,
    F_GETFD,
    F_GETFL,
    F_GETPIPE_SZ,
    F_SETFD,
    F_SETFL,
    F_SETPIPE_SZ,
    FD_CLOEXEC,
    KERNEL_O_LARGEFILE,
    O_APPEND,
    O_CLOEXEC,
    O_CREAT,
    O_DIRECT,
    O_NONBLOCK,
    O_PATH,
    O_TMPFILE_BIT,
    O_TRUNC,
    O_WRONLY,
    RENAME_EXCHANGE,
    RENAME_NOREPLACE,
    UTIME_NOW,
    UTIME_OMIT,
)
from syscalltbl.machine.uapi.landlock import (
    LANDLOCK_ACCESS_FS_MAKE_DIR,
    LANDLOCK_ACCESS_FS_MAKE_SYM,
    LANDLOCK_ACCESS_FS_TRUNCATE,
)
from syscalltbl.machine.uapi.misc import (
    OVERLAYFS_SUPER_MAGIC,
    PATH_MAX,
    PROC_SUPER_MAGIC,
    RAMFS_MAGIC,
    ST_NODEV,
    ST_NOEXEC,
    ST_NOSUID,
    ST_RELATIME,
    ST_VALID,
    TMPFS_MAGIC,
    UIO_MAXIOV,
)
from syscalltbl.machine.uapi.mount import (
    MS_MANDLOCK,
    MS_NOATIME,
    MS_NODEV,
    MS_NODIRATIME,
    MS_NOEXEC,
    MS_NOSUID,
    MS_NOSYMFOLLOW,
    MS_RELATIME,
    MS_SYNCHRONOUS,
    ST_NOSYMFOLLOW,
    ST_RDONLY,
)
from syscalltbl.machine.uapi.signal import SI_USER, SIGPIPE
from syscalltbl.machine.uapi.structs import IOVEC, LOFF, STAT, STATFS, TIMESPEC_PAIR, UTIMBUF

#: Where an *at call's path starts (fileargs.py), by the name this module and the families sharing its helpers use.
_base = base_dir

#: statfs's f_type of the filesystems whose statfs is answered below (proc's is its own case).
FS_MAGIC: Final = {b"tmpfs": TMPFS_MAGIC, b"ramfs": RAMFS_MAGIC, b"overlay": OVERLAYFS_SUPER_MAGIC}
LOFF_MAX = (1 << 63) - 1
RW_CHUNK = 1 << 20  # reads and writes move pieces of this size, never one host buffer of their count
NSEC = 10**9


# -- reading and writing --


def _readable(t: Task, fd: int) -> OpenFile:
    f = t.files.get(s32(fd))
    if not f.readable():
        raise Errno(EBADF)
    if isinstance(f.inode, Directory):
        raise Errno(EISDIR)
    fsnotify.permission(f, FAN_ACCESS_PERM)  # rw_verify_area: a listener may decide on the read first
    return f


def _writable(t: Task, fd: int) -> OpenFile:
    f = t.files.get(s32(fd))
    if not f.writable():
        raise Errno(EBADF)
    return f


def _write(t: Task, f: OpenFile, data: bytes) -> int:
    try:
        return f.inode.write_from(f, data, t)
    except Errno as exc:
        if exc.errno == EPIPE and f.inode.SIGPIPE_ON_EPIPE:
            # As pipe_write's send_sig(SIGPIPE, current, 0); the writer gets EPIPE if it survives.
            signals.send(t, SIGPIPE, signals.siginfo(SIGPIPE, SI_USER, tgid_vnr(t), t.cred.uid))
        raise


def _rw_count(buf: int, count: int) -> int:
    """vfs_read/vfs_write: access_ok on the count asked for (EFAULT), then at most MAX_RW_COUNT."""
    if not access_ok(buf, count):
        raise Errno(EFAULT)
    return min(count, MAX_RW_COUNT)


def _read_into(t: Task, f: OpenFile, buf: int, count: int) -> int:
    count = _rw_count(buf, count)
    _verify_area(f, count)
    if not count:
        return 0
    # The kernel's copy stops at the first page it cannot write: read no more
    # than reaches it, so no input is consumed for nothing (EFAULT if none does).
    reach = user_extent(t.mm, buf, count, write=True)
    if not reach:
        raise Errno(EFAULT)
    done = 0
    while done < reach:
        n = min(reach - done, RW_CHUNK)
        try:
            data = f.inode.read_by(f, n, t)
            copy_to_user(t.mm, buf + done, data)
        except (Errno, Sleep):
            if done:
                return done  # after progress, as read_iter_zero and pipe_read do
            raise
        done += len(data)
        if len(data) < n:
            break
    if done:
        fsnotify.accessed(f)
        pipe_io(t, f, wrote=False)
    return done


def _verify_area(f: OpenFile, count: int) -> None:
    """rw_verify_area: a position and count whose end is past the largest loff_t are EINVAL."""
    if f.inode.seekable() and f.offset + count > LOFF_MAX:
        raise Errno(EINVAL)


def _write_from(t: Task, f: OpenFile, vecs: list[tuple[int, int]]) -> int:
    """Write the buffers `vecs`; a write that wrote tells the file's watches (fsnotify_modify)."""
    _verify_area(f, sum(n for _, n in vecs))
    if isinstance(f.inode, Regular) and vecs:
        vecs = _fsize_cut(t, f, vecs)
    done = _write_pieces(t, f, vecs)
    if done:
        fsnotify.modified(f)
        pipe_io(t, f, wrote=True)
    return done


def _fsize_cut(t: Task, f: OpenFile, vecs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """generic_write_checks: a file's write stops at RLIMIT_FSIZE (SIGXFSZ and EFBIG from there on)."""
    total = sum(n for _, n in vecs)
    if not total:
        return vecs
    pos = f.inode.size() if f.flags & O_APPEND else f.offset
    room = write_limit(t, pos, total)
    cut = []
    for base, n in vecs:
        cut.append((base, min(n, room)))
        room -= cut[-1][1]
    return cut


def _write_pieces(t: Task, f: OpenFile, vecs: list[tuple[int, int]]) -> int:
    """Copy and write in pieces, as generic_perform_write does.

    A fault, a full pipe or an error after some progress ends the call with
    the bytes written (restarting it would write them twice).
    """
    done = 0
    for base, size in vecs:
        at = 0
        while at < size:
            n = user_extent(t.mm, base + at, min(size - at, RW_CHUNK), write=False)
            try:
                if not n:
                    raise Errno(EFAULT)  # the copy stops here
                wrote = _write(t, f, copy_from_user(t.mm, base + at, n))
            except (Errno, Sleep):
                if done:
                    return done
                raise
            done += wrote
            at += wrote
            if wrote < n:
                return done
    return done


@syscall("sys_read")
def sys_read(t: Task, fd: int, buf: int, count: int, *_: int) -> int:
    return _read_into(t, _readable(t, fd), buf, count)


@syscall("sys_write")
def sys_write(t: Task, fd: int, buf: int, count: int, *_: int) -> int:
    f = _writable(t, fd)
    return _write_from(t, f, [(buf, _rw_count(buf, count))])


def _at_offset(f: OpenFile, pos: int) -> int:
    if not f.inode.seekable():
        raise Errno(ESPIPE)
    if pos < 0:
        raise Errno(EINVAL)
    return pos


@syscall("sys_pread64")
def sys_pread64(t: Task, fd: int, buf: int, count: int, pos: int, *_: int) -> int:
    f = _readable(t, fd)
    saved, f.offset = f.offset, _at_offset(f, pos)
    try:
        return _read_into(t, f, buf, count)
    finally:
        f.offset = saved


@syscall("sys_pwrite64")
def sys_pwrite64(t: Task, fd: int, buf: int, count: int, pos: int, *_: int) -> int:
    f = _writable(t, fd)
    saved, f.offset = f.offset, _at_offset(f, pos)
    try:  # with O_APPEND the data still goes to the end (generic_write_checks), and the position stays
        return _write_from(t, f, [(buf, _rw_count(buf, count))])
    finally:
        f.offset = saved


def _iovecs(t: Task, iov: int, count: int) -> list[tuple[int, int]]:
    if count > UIO_MAXIOV:
        raise Errno(EINVAL)
    raw = copy_from_user(t.mm, iov, IOVEC.size * count)
    vecs = [IOVEC.unpack_from(raw, i * IOVEC.size) for i in range(count)]
    if any(n >> 63 for _, n in vecs):
        raise Errno(EINVAL)
    # lib/iov_iter.c: each buffer passes access_ok whole, then the total is cut to MAX_RW_COUNT.
    total = 0
    for i, (base, n) in enumerate(vecs):
        if not access_ok(base, n):
            raise Errno(EFAULT)
        vecs[i] = (base, min(n, MAX_RW_COUNT - total))
        total += vecs[i][1]
    return vecs


@syscall("sys_readv")
def sys_readv(t: Task, fd: int, iov: int, count: int, *_: int) -> int:
    f = _readable(t, fd)
    return do_readv(t, f, _iovecs(t, iov, count))


def do_readv(t: Task, f: OpenFile, vecs: list[tuple[int, int]]) -> int:
    """Read into the buffers `vecs` (readv, preadv): a file in pieces, a pipe or socket in one read."""
    for base, n in vecs:
        user_range(t.mm, base, n, write=True)
    if isinstance(f.inode, (Regular, Device)):
        # A file or a device reads the same in pieces: RW_CHUNK at a time, as read(2), never the whole
        # count in host memory (a host file is not charged to the machine's RAM; /dev/zero makes its bytes).
        total = 0
        for base, n in vecs:
            try:
                got = _read_into(t, f, base, n)
            except (Errno, Sleep):
                if total:
                    return total
                raise
            total += got
            if got < n:
                break
        return total
    data = f.inode.read_by(f, sum(n for _, n in vecs), t)  # a pipe or socket: one read (a datagram is not split)
    if data:
        fsnotify.accessed(f)
        pipe_io(t, f, wrote=False)
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
    vecs = _iovecs(t, iov, count)
    limit = f.inode.message_limit()
    if limit is not None:  # one message of all the buffers (sock_write_iter), copied no further than matters
        data = bytearray()
        for base, n in vecs:
            data += copy_from_user(t.mm, base, min(n, limit + 1 - len(data))) if len(data) <= limit else b""
        wrote = _write(t, f, bytes(data))
        if wrote:
            fsnotify.modified(f)
        return wrote
    return _write_from(t, f, vecs)


@syscall("sys_lseek")
def sys_lseek(t: Task, fd: int, offset: int, whence: int, *_: int) -> int:
    return seek(fd_nopath(t, fd), offset, whence)


# -- opening and closing --


def do_openat(t: Task, dirfd: int, path: int, flags: int, mode: int, resolve: int = 0) -> int:
    flags = flags & 0xFFFFFFFF | KERNEL_O_LARGEFILE  # force_o_largefile (an O_PATH open drops it again)
    tmpfile = bool(flags & O_TMPFILE_BIT and not flags & O_PATH)
    if tmpfile:
        from syscalltbl.machine.kernel.tmpfile import check_tmpfile_flags  # O_TMPFILE's alone

        check_tmpfile_flags(flags)
    name = user_path(t, path)
    if tmpfile:
        from syscalltbl.machine.kernel.tmpfile import open_tmpfile

        f = open_tmpfile(t, name, _base(t, dirfd, name), flags, mode)
    else:
        # RESOLVE_BENEATH and RESOLVE_IN_ROOT (0x18) walk from dirfd whatever the path: it is their root.
        f = t.machine.fs.open(t, name, _base(t, dirfd, b"" if resolve & 0x18 else name), flags, mode, resolve)
    try:
        if not f.created:  # asked again when the call runs again, which must not find it made by itself
            fsnotify.permission(f, FAN_OPEN_PERM)  # do_dentry_open's fsnotify_open_perm
        return t.files.install(f, cloexec=bool(flags & O_CLOEXEC), limit=t.nofile())
    except Sleep:
        f.inode.release(f)
        raise
    except Errno:
        f.inode.release(f)  # never installed: a FIFO's opener, a host descriptor let go
        raise


@syscall("sys_openat")
def sys_openat(t: Task, dirfd: int, path: int, flags: int, mode: int, *_: int) -> int:
    return do_openat(t, dirfd, path, flags, mode)


@syscall("sys_open")
def sys_open(t: Task, path: int, flags: int, mode: int, *_: int) -> int:
    return do_openat(t, AT_FDCWD, path, flags, mode)


@syscall("sys_creat")
def sys_creat(t: Task, path: int, mode: int, *_: int) -> int:
    return do_openat(t, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode)


@syscall("sys_close")
def sys_close(t: Task, fd: int, *_: int) -> int:
    t.files.close(fd)
    return 0


@syscall("sys_dup")
def sys_dup(t: Task, fd: int, *_: int) -> int:
    return t.files.install(t.files.get(fd), limit=t.nofile())


def do_dup3(t: Task, old: int, new: int, flags: int) -> int:
    old, new = s32(old), s32(new)
    if old == new or flags & ~O_CLOEXEC:
        raise Errno(EINVAL)
    f = t.files.get(old)
    if not 0 <= new < t.nofile():
        raise Errno(EBADF)
    t.files.put(new, f, bool(flags & O_CLOEXEC))
    return new


@syscall("sys_dup3")
def sys_dup3(t: Task, old: int, new: int, flags: int, *_: int) -> int:
    return do_dup3(t, old, new, flags)


@syscall("sys_dup2")
def sys_dup2(t: Task, old: int, new: int, *_: int) -> int:
    if s32(old) == s32(new):
        t.files.get(old)
        return s32(new)
    return do_dup3(t, old, new, 0)


@syscall("sys_fcntl")
def sys_fcntl(t: Task, fd: int, cmd: int, arg: int, *_: int) -> int:
    fd = s32(fd)
    f = t.files.get(fd)
    if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
        if not 0 <= s32(arg) < t.nofile():
            raise Errno(EINVAL)
        return t.files.install(f, lowest=s32(arg), cloexec=cmd == F_DUPFD_CLOEXEC, limit=t.nofile())
    if cmd == F_GETFD:
        return FD_CLOEXEC if t.files.fds[fd][1] else 0
    if cmd == F_SETFD:
        t.files.fds[fd] = (f, bool(arg & FD_CLOEXEC))
        return 0
    if cmd in LOCK_COMMANDS:
        return do_fcntl_lock(t, f, cmd, arg)
    if cmd == F_GETFL:
        return f.flags & ~O_CLOEXEC
    if cmd == F_CREATED_QUERY:
        return int(f.created)
    if f.flags & O_PATH:
        raise Errno(EBADF)  # check_fcntl_cmd: an O_PATH descriptor takes only the commands above
    if cmd in (F_SETPIPE_SZ, F_GETPIPE_SZ):
        return pipe_fcntl(t, f, cmd, arg)
    if cmd == F_ADD_SEALS:
        return memfd.add_seals(f, arg & 0xFFFFFFFF)  # do_fcntl's argi: an unsigned int
    if cmd == F_GET_SEALS:
        return memfd.get_seals(f)
    if cmd in OWNER_COMMANDS:
        return do_fcntl_owner(t, f, fd, cmd, arg)
    if cmd == F_NOTIFY:
        return dnotify.fcntl_dirnotify(t, fd, f, arg)
    if cmd == F_SETFL:
        if (arg ^ f.flags) & O_APPEND and permission.append_only(f.inode):
            raise Errno(EPERM)  # setfl: an append-only file stays in append mode
        changeable = O_APPEND | O_NONBLOCK | O_ASYNC
        if isinstance(f.inode, PipeEnd):
            changeable |= O_DIRECT  # a pipe's packet mode can be switched (FMODE_CAN_ODIRECT)
        if (arg ^ f.flags) & O_ASYNC:
            set_async(f, fd, bool(arg & O_ASYNC))
        f.flags = (f.flags & ~changeable) | (arg & changeable)
        return 0
    raise Errno(EINVAL)


def do_pipe2(t: Task, fds: int, flags: int) -> int:
    if flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT):
        raise Errno(EINVAL)
    user_range(t.mm, fds, 8, write=True)
    pipe = Pipe(t.machine.ram)
    cloexec, status = bool(flags & O_CLOEXEC), flags & O_NONBLOCK
    # O_DIRECT (packet mode) is the writer's: create_pipe_files gives it to the write end only.
    ends = (OpenFile(PipeEnd(pipe, writer=False), status, b"pipe:[%d]" % id(pipe)),
            OpenFile(PipeEnd(pipe, writer=True), status | (flags & O_DIRECT) | 1, b"pipe:[%d]" % id(pipe)))
    read_fd = t.files.install(ends[0], cloexec=cloexec, limit=t.nofile())
    try:
        write_fd = t.files.install(ends[1], cloexec=cloexec, limit=t.nofile())
    except Errno:
        t.files.close(read_fd)
        raise
    copy_to_user(t.mm, fds, struct.pack("<ii", read_fd, write_fd))
    return 0


@syscall("sys_pipe2")
def sys_pipe2(t: Task, fds: int, flags: int, *_: int) -> int:
    return do_pipe2(t, fds, flags)


@syscall("sys_pipe")
def sys_pipe(t: Task, fds: int, *_: int) -> int:
    return do_pipe2(t, fds, 0)


@syscall("sys_ioctl")
def sys_ioctl(t: Task, fd: int, request: int, arg: int, *_: int) -> int:
    f = fd_nopath(t, fd)
    landlock.check_ioctl(f.landlock_rights, f.inode.mode, request)  # security_file_ioctl
    # The command is an unsigned int in the kernel's prototype.
    request &= 0xFFFFFFFF
    if request in fileattr.IOCTLS and fileattr.ioctl(t, f, request, arg):
        return 0  # do_vfs_ioctl: chattr's flags, before the file's own ioctl
    return f.inode.unlocked_ioctl(t, f, request, arg)


# -- metadata --


def _stat(inode: Inode, user_ns: UserNamespace = INIT_USER_NS) -> bytes:
    """struct stat of `inode`, its owner and group as `user_ns` (the caller's) sees them (cp_new_stat)."""
    if isinstance(inode, HostFile):
        try:
            st = os.fstat(inode.fd)
        except OSError as exc:
            raise Errno(exc.errno or EBADF) from None
        root_uid, root_gid = from_kuid_munged(user_ns, 0), from_kgid_munged(user_ns, 0)
        return STAT.pack(st.st_dev, st.st_ino, st.st_nlink, st.st_mode, root_uid, root_gid, st.st_rdev, st.st_size,
                          st.st_blksize, st.st_blocks, *divmod(st.st_atime_ns, NSEC),
                          *divmod(st.st_mtime_ns, NSEC), *divmod(st.st_ctime_ns, NSEC))
    nlink = inode.link_count() if isinstance(inode, Directory) else inode.nlink
    dev = inode.sb.dev if inode.sb is not None else FS_DEV  # a mounted tmpfs has its own
    uid, gid = from_kuid_munged(user_ns, inode.uid), from_kgid_munged(user_ns, inode.gid)
    return STAT.pack(dev, inode.ino, nlink, inode.mode, uid, gid, inode.rdev, inode.size(),
                      BLOCK_SIZE, inode.blocks(), *divmod(inode.atime, NSEC), *divmod(inode.mtime, NSEC),
                      *divmod(inode.ctime, NSEC))


@syscall("sys_newfstat")
def sys_newfstat(t: Task, fd: int, buf: int, *_: int) -> int:
    copy_to_user(t.mm, buf, _stat(t.files.get(fd).inode, t.cred.user_ns))
    return 0


def do_newfstatat(t: Task, dirfd: int, path: int, buf: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise Errno(EINVAL)
    copy_to_user(t.mm, buf, _stat(_inode_at(t, dirfd, path, flags), t.cred.user_ns))
    return 0


@syscall("sys_newfstatat")
def sys_newfstatat(t: Task, dirfd: int, path: int, buf: int, flags: int, *_: int) -> int:
    return do_newfstatat(t, dirfd, path, buf, flags)


@syscall("sys_newstat")
def sys_newstat(t: Task, path: int, buf: int, *_: int) -> int:
    return do_newfstatat(t, AT_FDCWD, path, buf, 0)


@syscall("sys_newlstat")
def sys_newlstat(t: Task, path: int, buf: int, *_: int) -> int:
    return do_newfstatat(t, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW)




@syscall("sys_umask")
def sys_umask(t: Task, mask: int, *_: int) -> int:
    old, t.fs.umask = t.fs.umask, mask & 0o777
    return old


# -- the namespace --


def do_mkdirat(t: Task, dirfd: int, path: int, mode: int) -> int:
    wanted = user_path(t, path)
    parent, name, node = t.machine.fs.walk(t, wanted, _base(t, dirfd, wanted), follow=False)
    if node is not None:
        raise Errno(EEXIST)
    landlock.check_path(t, parent, None, LANDLOCK_ACCESS_FS_MAKE_DIR)  # security_path_mkdir, before may_create
    permission.check_create(t.cred, parent)
    uid, gid, perm = permission.new_owner(t.cred, parent, stat.S_IFDIR | (mode & 0o7777 & ~t.fs.umask))
    made = Directory(parent, stat.S_IMODE(perm)).owned_by(uid, gid)
    parent.add(name, t.machine.fs.charged(made, parent))
    fsnotify.created(parent, name, made)
    return 0


@syscall("sys_mkdirat")
def sys_mkdirat(t: Task, dirfd: int, path: int, mode: int, *_: int) -> int:
    return do_mkdirat(t, dirfd, path, mode)


@syscall("sys_mkdir")
def sys_mkdir(t: Task, path: int, mode: int, *_: int) -> int:
    return do_mkdirat(t, AT_FDCWD, path, mode)


def do_unlinkat(t: Task, dirfd: int, path: int, flags: int) -> int:
    if flags & ~AT_REMOVEDIR:
        raise Errno(EINVAL)
    name = user_path(t, path)
    t.machine.fs.unlink(t, name, _base(t, dirfd, name), directory=bool(flags & AT_REMOVEDIR))
    return 0


@syscall("sys_unlinkat")
def sys_unlinkat(t: Task, dirfd: int, path: int, flags: int, *_: int) -> int:
    return do_unlinkat(t, dirfd, path, flags)


@syscall("sys_unlink")
def sys_unlink(t: Task, path: int, *_: int) -> int:
    return do_unlinkat(t, AT_FDCWD, path, 0)


@syscall("sys_rmdir")
def sys_rmdir(t: Task, path: int, *_: int) -> int:
    return do_unlinkat(t, AT_FDCWD, path, AT_REMOVEDIR)


def do_renameat2(t: Task, olddirfd: int, old: int, newdirfd: int, new: int, flags: int) -> int:
    if flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) or flags == RENAME_NOREPLACE | RENAME_EXCHANGE:
        raise Errno(EINVAL)  # RENAME_WHITEOUT (overlayfs's) is not made here; NOREPLACE with EXCHANGE is nonsense
    fs = t.machine.fs
    old_name, new_name = user_path(t, old), user_path(t, new)
    old_start, new_start = _base(t, olddirfd, old_name), _base(t, newdirfd, new_name)
    if flags & RENAME_EXCHANGE:
        fs.exchange(t, old_name, new_name, old_start, new_start)
        return 0
    if flags & RENAME_NOREPLACE and fs.walk(t, new_name, new_start, follow=False)[2] is not None:
        raise Errno(EEXIST)
    fs.rename(t, old_name, new_name, old_start, new_start)
    return 0


@syscall("sys_renameat2")
def sys_renameat2(t: Task, olddirfd: int, old: int, newdirfd: int, new: int, flags: int, *_: int) -> int:
    return do_renameat2(t, olddirfd, old, newdirfd, new, flags)


@syscall("sys_renameat")
def sys_renameat(t: Task, olddirfd: int, old: int, newdirfd: int, new: int, *_: int) -> int:
    return do_renameat2(t, olddirfd, old, newdirfd, new, 0)


@syscall("sys_rename")
def sys_rename(t: Task, old: int, new: int, *_: int) -> int:
    return do_renameat2(t, AT_FDCWD, old, AT_FDCWD, new, 0)





def _is_proc(inode: Inode) -> bool:
    return isinstance(inode, PROC_INODES)


def _inode_at(t: Task, dirfd: int, path: int, flags: int, *, follows: bool = True) -> Inode:
    """The inode an *at call names: `path` from `dirfd`, or `dirfd` itself for "" with AT_EMPTY_PATH.

    A call that `follows` symlinks by default stops at one with AT_SYMLINK_NOFOLLOW;
    one that does not (linkat) follows with AT_SYMLINK_FOLLOW.
    """
    name = strncpy_from_user(t.mm, path, PATH_MAX)
    if not name and flags & AT_EMPTY_PATH:
        return t.fs.cwd if s32(dirfd) == AT_FDCWD else t.files.get(s32(dirfd)).inode
    follow = not flags & AT_SYMLINK_NOFOLLOW if follows else bool(flags & AT_SYMLINK_FOLLOW)
    name = user_path(t, path)
    return t.machine.fs.lookup(t, name, _base(t, dirfd, name), follow=follow)


def fd_nopath(t: Task, fd: int) -> OpenFile:
    """An open file for a call that uses it (fdget): EBADF for an O_PATH descriptor, which only names a file."""
    f = t.files.get(s32(fd))
    if f.flags & O_PATH:
        raise Errno(EBADF)
    return f


def _fd_inode(t: Task, fd: int) -> Inode:
    """The inode of an fd that f*() calls may change: not an O_PATH one (fdget rejects those)."""
    f = t.files.get(s32(fd))
    if f.flags & O_PATH:
        raise Errno(EBADF)
    return f.inode


def _new_name(t: Task, dirfd: int, path: int) -> tuple[Directory, bytes]:
    """Where symlink and link put a new name (filename_create): it must not exist yet."""
    name = user_path(t, path)
    parent, last, node = t.machine.fs.walk(t, name, _base(t, dirfd, name), follow=False)
    if node is not None:
        raise Errno(EEXIST)
    if name.endswith(b"/"):
        raise Errno(ENOENT)  # only mkdir may name a new entry with a trailing slash
    if not parent.in_tree:
        raise Errno(ENOENT)  # /proc makes nothing on request, as Linux's procfs
    permission.check_writable(parent)
    return parent, last


# -- times (fs/utimes.c) --



def _set_times(t: Task, inode: Inode, times: tuple[tuple[int, int], tuple[int, int]] | None) -> None:
    """vfs_utimes: (sec, nsec) for atime and mtime, each nsec maybe UTIME_NOW or UTIME_OMIT; None is both now.

    Setting a time of one's choice is the owner's (EPERM); setting both to now
    is also anyone's who may write the file (EACCES otherwise)."""
    if times is not None:
        if any(nsec not in (UTIME_NOW, UTIME_OMIT) and not 0 <= nsec < NSEC for _, nsec in times):
            raise Errno(EINVAL)
        if times[0][1] == UTIME_NOW and times[1][1] == UTIME_NOW:
            times = None
    permission.check_writable(inode)  # vfs_utimes's mnt_want_write
    if times is None:  # ATTR_TOUCH
        if permission.immutable(inode):
            raise Errno(EPERM)
        if not permission.is_owner(t.cred, inode):
            permission.check(t.cred, inode, MAY_WRITE)
    elif any(nsec not in (UTIME_NOW, UTIME_OMIT) for _, nsec in times):  # ATTR_TIMES_SET
        permission.check_attr_change(inode)
        permission.check_owner(t.cred, inode)
    now = time.time_ns()
    if times is None:
        inode.atime = inode.mtime = now
    else:
        (asec, ansec), (msec, mnsec) = times
        if ansec != UTIME_OMIT:
            inode.atime = now if ansec == UTIME_NOW else asec * NSEC + ansec
        if mnsec != UTIME_OMIT:
            inode.mtime = now if mnsec == UTIME_NOW else msec * NSEC + mnsec
    inode.ctime = now  # every change of times is a change of the inode
    if times is None or UTIME_OMIT not in (times[0][1], times[1][1]):
        fsnotify.attrib(inode)  # fsnotify_change: both times, a utime
    elif times[0][1] != UTIME_OMIT:
        fsnotify.accessed_inode(inode)
    else:
        fsnotify.truncated(inode)  # the mtime alone: IN_MODIFY


def _do_utimes(t: Task, dirfd: int, path: int, times: tuple[tuple[int, int], tuple[int, int]] | None,
               flags: int) -> int:
    if not path and s32(dirfd) != AT_FDCWD:
        # A NULL path names dirfd itself: how glibc's futimens() reaches this call.
        if flags:
            raise Errno(EINVAL)
        inode = _fd_inode(t, dirfd)
    else:
        if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
            raise Errno(EINVAL)
        inode = _inode_at(t, dirfd, path, flags)
    _set_times(t, inode, times)
    return 0


@syscall("sys_utimensat")
def sys_utimensat(t: Task, dirfd: int, path: int, utimes: int, flags: int, *_: int) -> int:
    times = None
    if utimes:
        asec, ansec, msec, mnsec = TIMESPEC_PAIR.unpack(copy_from_user(t.mm, utimes, TIMESPEC_PAIR.size))
        if ansec == UTIME_OMIT and mnsec == UTIME_OMIT:
            return 0  # nothing to do: the path is not even looked up
        times = (asec, ansec), (msec, mnsec)
    return _do_utimes(t, dirfd, path, times, flags)


def do_futimesat(t: Task, dirfd: int, path: int, utimes: int) -> int:
    times = None
    if utimes:
        asec, ausec, msec, musec = TIMESPEC_PAIR.unpack(copy_from_user(t.mm, utimes, TIMESPEC_PAIR.size))
        if not 0 <= ausec < 1_000_000 or not 0 <= musec < 1_000_000:
            raise Errno(EINVAL)
        times = (asec, ausec * 1000), (msec, musec * 1000)
    return _do_utimes(t, dirfd, path, times, 0)


@syscall("sys_futimesat")
def sys_futimesat(t: Task, dirfd: int, path: int, utimes: int, *_: int) -> int:
    return do_futimesat(t, dirfd, path, utimes)


@syscall("sys_utimes")
def sys_utimes(t: Task, path: int, utimes: int, *_: int) -> int:
    return do_futimesat(t, AT_FDCWD, path, utimes)


@syscall("sys_utime")
def sys_utime(t: Task, path: int, buf: int, *_: int) -> int:
    times = None
    if buf:
        actime, modtime = UTIMBUF.unpack(copy_from_user(t.mm, buf, UTIMBUF.size))
        times = (actime, 0), (modtime, 0)
    return _do_utimes(t, AT_FDCWD, path, times, 0)


# -- mode and owner (fs/open.c: chmod_common, chown_common) --


def _chmod(t: Task, inode: Inode, mode: int) -> int:
    permission.check_writable(inode)  # chmod_common's mnt_want_write, before anything else
    if isinstance(inode, Symlink):
        raise Errno(EOPNOTSUPP)  # notify_change: a symlink's mode is always 0777
    if _is_proc(inode):
        raise Errno(EPERM)
    permission.check_attr_change(inode)
    permission.check_owner(t.cred, inode)
    new = stat.S_IFMT(inode.mode) | permission.chmod_mode(t.cred, inode, mode & 0o7777)
    if isinstance(inode, Regular):
        memfd.check_seals_chmod(inode, new)
    inode.mode = new
    inode.changed()
    fsnotify.attrib(inode)
    return 0


@syscall("sys_fchmod")
def sys_fchmod(t: Task, fd: int, mode: int, *_: int) -> int:
    return _chmod(t, _fd_inode(t, fd), mode)


def do_fchmodat2(t: Task, dirfd: int, path: int, mode: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise Errno(EINVAL)
    return _chmod(t, _inode_at(t, dirfd, path, flags), mode)


@syscall("sys_fchmodat2")
def sys_fchmodat2(t: Task, dirfd: int, path: int, mode: int, flags: int, *_: int) -> int:
    return do_fchmodat2(t, dirfd, path, mode, flags)


@syscall("sys_fchmodat")
def sys_fchmodat(t: Task, dirfd: int, path: int, mode: int, *_: int) -> int:
    return do_fchmodat2(t, dirfd, path, mode, 0)


@syscall("sys_chmod")
def sys_chmod(t: Task, path: int, mode: int, *_: int) -> int:
    return do_fchmodat2(t, AT_FDCWD, path, mode, 0)


def _chown(t: Task, inode: Inode, user: int, group: int) -> int:
    permission.check_writable(inode)  # chown_common's mnt_want_write
    if _is_proc(inode):
        raise Errno(EPERM)
    user, group = user & 0xFFFFFFFF, group & 0xFFFFFFFF
    # chown_common: the ids are the caller's user namespace's, each one it does not map EINVAL.
    if user != INVALID_ID:
        user = make_kuid(t.cred.user_ns, user)
        if user == INVALID_ID:
            raise Errno(EINVAL)
    if group != INVALID_ID:
        group = make_kgid(t.cred.user_ns, group)
        if group == INVALID_ID:
            raise Errno(EINVAL)
    if (user, group) != (INVALID_ID, INVALID_ID):
        permission.check_attr_change(inode)  # ATTR_UID or ATTR_GID
    permission.check_chown(t.cred, inode, user, group)
    if user != 0xFFFFFFFF:  # (uid_t)-1: leave it
        inode.uid = user
    if group != 0xFFFFFFFF:
        inode.gid = group
    if not isinstance(inode, Directory):
        # ATTR_KILL_SUID and, for a group-executable file, ATTR_KILL_SGID: root is no exception.
        inode.mode &= ~stat.S_ISUID
        if inode.mode & stat.S_IXGRP:
            inode.mode &= ~stat.S_ISGID
    inode.changed()
    fsnotify.attrib(inode)
    return 0


def do_fchownat(t: Task, dirfd: int, path: int, user: int, group: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise Errno(EINVAL)
    return _chown(t, _inode_at(t, dirfd, path, flags), user, group)


@syscall("sys_fchownat")
def sys_fchownat(t: Task, dirfd: int, path: int, user: int, group: int, flags: int, *_: int) -> int:
    return do_fchownat(t, dirfd, path, user, group, flags)


@syscall("sys_chown")
def sys_chown(t: Task, path: int, user: int, group: int, *_: int) -> int:
    return do_fchownat(t, AT_FDCWD, path, user, group, 0)


@syscall("sys_lchown")
def sys_lchown(t: Task, path: int, user: int, group: int, *_: int) -> int:
    return do_fchownat(t, AT_FDCWD, path, user, group, AT_SYMLINK_NOFOLLOW)


@syscall("sys_fchown")
def sys_fchown(t: Task, fd: int, user: int, group: int, *_: int) -> int:
    return _chown(t, _fd_inode(t, fd), user, group)


# -- size --


def _truncate(inode: Inode, length: int, *, always: bool) -> int:
    if not isinstance(inode, Regular):
        raise Errno(EISDIR if isinstance(inode, Directory) else EINVAL)
    changes = length != inode.size()
    inode.truncate(length)
    if changes or always:
        inode.modified()
    fsnotify.truncated(inode)
    return 0


@syscall("sys_truncate")
def sys_truncate(t: Task, path: int, length: int, *_: int) -> int:
    parent, _name, inode = t.machine.fs.walk(t, user_path(t, path), t.fs.cwd, follow=True)
    if inode is None:
        raise Errno(ENOENT)
    if length < 0:
        raise Errno(EINVAL)
    if isinstance(inode, Regular):
        permission.check(t.cred, inode, MAY_WRITE)  # vfs_truncate: write permission, by path alone
        if permission.append_only(inode):
            raise Errno(EPERM)
        deny_write(t, inode)  # vfs_truncate's get_write_access (ftruncate's file has write access already)
        if length > inode.size():
            check_new_size(t, length)
        lease.break_lease(t, inode, O_WRONLY)  # do_truncate: a lease holder is told first
        landlock.check_path(t, parent, inode, LANDLOCK_ACCESS_FS_TRUNCATE)  # security_path_truncate
    return _truncate(inode, length, always=False)


@syscall("sys_ftruncate")
def sys_ftruncate(t: Task, fd: int, length: int, *_: int) -> int:
    if length < 0:
        raise Errno(EINVAL)
    f = t.files.get(fd)
    if f.flags & O_PATH:
        raise Errno(EBADF)
    if isinstance(f.inode, SecretMem) and f.writable():
        f.inode.truncate(length)  # secretmem_setattr
        return 0
    if not f.writable() or not isinstance(f.inode, Regular):
        raise Errno(EINVAL)
    if permission.append_only(f.inode):
        raise Errno(EPERM)  # do_ftruncate
    if length > f.inode.size():
        check_new_size(t, length)
    if not f.landlock_rights & LANDLOCK_ACCESS_FS_TRUNCATE:
        raise Errno(EACCES)  # security_file_truncate: what Landlock allowed when the file was opened
    # do_sys_ftruncate passes ATTR_MTIME | ATTR_CTIME: the times move even when the size does not.
    return _truncate(f.inode, length, always=True)


# -- names (fs/namei.c) --


def do_symlinkat(t: Task, target: int, newdirfd: int, path: int) -> int:
    contents = user_path(t, target)
    parent, name = _new_name(t, newdirfd, path)
    landlock.check_path(t, parent, None, LANDLOCK_ACCESS_FS_MAKE_SYM)  # security_path_symlink
    permission.check_create(t.cred, parent)
    uid, gid, _ = permission.new_owner(t.cred, parent, stat.S_IFLNK | 0o777)
    made = Symlink(contents).owned_by(uid, gid)
    parent.add(name, t.machine.fs.charged(made, parent))
    fsnotify.created(parent, name, made)
    return 0


@syscall("sys_symlinkat")
def sys_symlinkat(t: Task, target: int, newdirfd: int, path: int, *_: int) -> int:
    return do_symlinkat(t, target, newdirfd, path)


@syscall("sys_symlink")
def sys_symlink(t: Task, target: int, path: int, *_: int) -> int:
    return do_symlinkat(t, target, AT_FDCWD, path)


def do_linkat(t: Task, olddirfd: int, old: int, newdirfd: int, new: int, flags: int) -> int:
    from syscalltbl.machine.kernel.tmpfile import linkable, linked  # here: most runs make no link

    if flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH):
        raise Errno(EINVAL)
    inode = _inode_at(t, olddirfd, old, flags, follows=False)
    parent, name = _new_name(t, newdirfd, new)
    if inode.sb is not parent.sb and not isinstance(inode, HostFile) and not _is_proc(inode):
        raise Errno(EXDEV)  # another mount's file
    permission.check_hardlink(t.cred, inode)  # may_linkat, then vfs_link's may_create
    if t.cred.landlock:  # security_path_link: the old name's directory too, for a link elsewhere
        old_name = user_path(t, old) if not flags & AT_EMPTY_PATH else b""
        src = t.machine.fs.walk(t, old_name, _base(t, olddirfd, old_name),
                                follow=bool(flags & AT_SYMLINK_FOLLOW))[0] if old_name else parent
        landlock.check_move(t, src, inode, parent, None, removable=False)
    permission.check_create(t.cred, parent)
    if isinstance(inode, Directory):
        raise Errno(EPERM)
    if isinstance(inode, HostFile) or _is_proc(inode):
        raise Errno(EXDEV)  # another filesystem's file
    if permission.append_only(inode) or permission.immutable(inode):
        raise Errno(EPERM)  # vfs_link
    unnamed = inode.nlink <= 0
    if unnamed and not linkable(inode):
        raise Errno(ENOENT)  # unlinked while open: it cannot come back (only an O_TMPFILE file may)
    inode.pin()  # a host file's new link count is the machine's to keep: ENOSPC now, before the name exists
    space = t.machine.fs.space_of(parent)
    if space is not None and not unnamed:  # an unnamed file's inode is charged already
        space.link()
    try:
        parent.add(name, inode)
    except Errno:
        if space is not None and not unnamed:
            space.unlink()
        raise
    linked(inode)
    inode.nlink += 1
    inode.changed()
    fsnotify.linked(parent, name, inode)
    return 0


@syscall("sys_linkat")
def sys_linkat(t: Task, olddirfd: int, old: int, newdirfd: int, new: int, flags: int, *_: int) -> int:
    return do_linkat(t, olddirfd, old, newdirfd, new, flags)


@syscall("sys_link")
def sys_link(t: Task, old: int, new: int, *_: int) -> int:
    return do_linkat(t, AT_FDCWD, old, AT_FDCWD, new, 0)


# -- data to disk: everything is in memory already --


def do_fsync(t: Task, fd: int) -> int:
    inode = _fd_inode(t, fd)
    if isinstance(inode, HostFile):
        try:
            os.fsync(inode.fd)  # the host's file: its own answer (EINVAL for a pipe or terminal)
        except OSError as exc:
            raise Errno(exc.errno or EINVAL) from None
    elif not isinstance(inode, Regular | Directory):
        raise Errno(EINVAL)  # no ->fsync: a pipe, FIFO, socket, device or /proc file (tmpfs's files have one)
    return 0


@syscall("sys_fsync")
def sys_fsync(t: Task, fd: int, *_: int) -> int:
    return do_fsync(t, fd)


@syscall("sys_fdatasync")
def sys_fdatasync(t: Task, fd: int, *_: int) -> int:
    return do_fsync(t, fd)


@syscall("sys_syncfs")
def sys_syncfs(t: Task, fd: int, *_: int) -> int:
    _fd_inode(t, fd)
    return 0


@syscall("sys_sync")
def sys_sync(t: Task, *_: int) -> int:
    return 0


# -- the filesystem as a whole --



def _f_flags(t: Task, inode: Inode) -> int:
    """calculate_f_flags: the flags of the mount `inode` is reached in, then its superblock's."""
    mount = t.machine.fs.namespace(t).containing(inode)
    if mount is None:
        sb = inode.sb
        return ST_VALID | ST_RELATIME | (ST_RDONLY if sb is not None and sb.readonly else 0)
    flags = ST_VALID | (ST_RDONLY if mount.readonly else 0)
    flags |= mount.flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)  # the same bits
    flags |= mount.sb.flags & (MS_SYNCHRONOUS | MS_MANDLOCK)
    flags |= (ST_RELATIME if mount.flags & MS_RELATIME else 0) | (ST_NOSYMFOLLOW if mount.flags & MS_NOSYMFOLLOW else 0)
    return flags


def _statfs(t: Task, inode: Inode) -> bytes:
    if _is_proc(inode):
        return STATFS.pack(PROC_SUPER_MAGIC, BLOCK_SIZE, 0, 0, 0, 0, 0, 0, 0, 255, BLOCK_SIZE,
                            ST_VALID | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME)
    sb = inode.sb
    space = sb.space if sb is not None and sb.space is not None else t.machine.fs.space
    dev = sb.dev if sb is not None else FS_DEV
    flags = _f_flags(t, inode)
    # An overlay answers with its upper layer's numbers under its own magic (ovl_statfs); ramfs has its own.
    magic = FS_MAGIC.get(sb.fstype, TMPFS_MAGIC) if sb is not None else TMPFS_MAGIC
    if space is not None:  # size= and nr_inodes=, as tmpfs's statfs reports them
        free, free_inodes = space.free_pages, max(space.max_inodes - space.used_inodes, 0)
        return STATFS.pack(magic, BLOCK_SIZE, space.size_pages, free, free, space.max_inodes, free_inodes,
                           dev, 0, 255, BLOCK_SIZE, flags)
    # The tree is in memory, like tmpfs: what it holds, plus room for one large file.
    used = files = 0
    todo = [t.machine.fs.root]
    while todo:
        directory = todo.pop()
        for child in directory.held().values():
            files += 1
            used += child.blocks() // (BLOCK_SIZE // 512)
            if isinstance(child, Directory) and child.in_tree:
                todo.append(child)
    free = UNLIMITED_ROOM // BLOCK_SIZE
    return STATFS.pack(magic, BLOCK_SIZE, used + free, free, free, files + free, free, FS_DEV, 0, 255,
                        BLOCK_SIZE, flags)


@syscall("sys_statfs")
def sys_statfs(t: Task, path: int, buf: int, *_: int) -> int:
    copy_to_user(t.mm, buf, _statfs(t, t.machine.fs.lookup(t, user_path(t, path), t.fs.cwd)))
    return 0


@syscall("sys_fstatfs")
def sys_fstatfs(t: Task, fd: int, buf: int, *_: int) -> int:
    copy_to_user(t.mm, buf, _statfs(t, t.files.get(fd).inode))
    return 0


# -- copying between files (fs/read_write.c: do_sendfile) --

SENDFILE_CHUNK = 1 << 20  # one call moves at most this much: callers loop, as they must on a short count


@syscall("sys_sendfile64")
def sys_sendfile64(t: Task, out_fd: int, in_fd: int, offset: int, count: int, *_: int) -> int:
    src = t.files.get(in_fd)
    if not src.readable():
        raise Errno(EBADF)
    pos = None
    if offset:
        if not src.inode.seekable():
            raise Errno(ESPIPE)
        user_range(t.mm, offset, LOFF.size, write=True)  # it is written back after the copy
        (pos,) = LOFF.unpack(copy_from_user(t.mm, offset, LOFF.size))
        if pos < 0:
            raise Errno(EINVAL)
    dst = _writable(t, out_fd)
    if dst.flags & O_APPEND or isinstance(src.inode, Directory):
        raise Errno(EINVAL)  # do_splice_direct refuses appending; a directory has no ->splice_read
    count = min(count, MAX_RW_COUNT, SENDFILE_CHUNK)
    if not count:
        return 0
    room = dst.inode.write_room(dst)  # may Sleep: nothing has been read yet
    if room is not None:
        count = min(count, room)
    seekable = src.inode.seekable()
    saved = src.offset
    start = src.offset = saved if pos is None else pos
    try:
        data = src.inode.read(src, count)
        if seekable:
            written = _write(t, dst, data) if data else 0
        else:
            # What was read from a pipe cannot be put back: write all of it.
            written = 0
            while written < len(data):
                n = _write(t, dst, data[written:])
                if not n:
                    break
                written += n
    except BaseException:
        if seekable:
            src.offset = saved
        raise
    if pos is not None:
        src.offset = saved  # with an offset pointer the file's own position stays
        copy_to_user(t.mm, offset, LOFF.pack(pos + written))
    elif seekable:
        src.offset = start + written  # only what was written counts as read
    return written
