"""name_to_handle_at and open_by_handle_at (fs/fhandle.c), over kernel/fhandle.py's handles."""

from __future__ import annotations

from syscalltbl.machine.kernel import fsnotify, permission
from syscalltbl.machine.kernel.fhandle import HANDLE, HANDLE_DWORDS, handles_of
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.procfs import PROC_INODES
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user, strncpy_from_user
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile, PipeEnd, Regular, Symlink, deny_write
from syscalltbl.machine.syscalls.fs import _base, _inode_at, s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_DAC_READ_SEARCH
from syscalltbl.machine.uapi.errno import (
    EINVAL,
    EISDIR,
    ELOOP,
    ENOTDIR,
    EOPNOTSUPP,
    EOVERFLOW,
    EPERM,
    ESTALE,
    Errno,
)
from syscalltbl.machine.uapi.fcntl import (
    AT_EMPTY_PATH,
    AT_FDCWD,
    AT_SYMLINK_FOLLOW,
    KERNEL_O_LARGEFILE,
    O_ACCMODE,
    O_CLOEXEC,
    O_CREAT,
    O_DIRECTORY,
    O_EXCL,
    O_NOFOLLOW,
    O_PATH,
    O_PATH_FLAGS,
    O_RDONLY,
    O_TRUNC,
)
from syscalltbl.machine.uapi.fhandle import (
    AT_HANDLE_CONNECTABLE,
    AT_HANDLE_FID,
    AT_HANDLE_MNT_ID_UNIQUE,
    FILE_HANDLE,
    FILEID_INO32_GEN,
    FILEID_INVALID,
    FILEID_USER_FLAGS_MASK,
    FILEID_VALID_USER_FLAGS,
    MAX_HANDLE_SZ,
)

#: The machine's one mount (its mnt_id, as /proc/PID/fdinfo says it).
MOUNT_ID = 1
_AT_FLAGS = AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | AT_HANDLE_FID | AT_HANDLE_MNT_ID_UNIQUE | AT_HANDLE_CONNECTABLE


def _exportable(inode: Inode) -> bool:
    """Whether the inode's filesystem has export operations: the tree's files do, /proc and pipes do not."""
    if isinstance(inode, (*PROC_INODES, PipeEnd)) or not inode.kind:
        return False
    return not isinstance(inode, Directory) or inode.in_tree


@syscall("sys_name_to_handle_at")
def sys_name_to_handle_at(t: Task, dfd: int, name: int, handle: int, mnt_id: int, flag: int, *_: int) -> int:
    flag = s32(flag)
    if flag & ~_AT_FLAGS or (flag & AT_HANDLE_FID and flag & AT_HANDLE_CONNECTABLE):
        raise Errno(EINVAL)
    inode = _inode_at(t, dfd, name, flag & (AT_SYMLINK_FOLLOW | AT_EMPTY_PATH), follows=False)
    if not _exportable(inode) and not flag & AT_HANDLE_FID:
        raise Errno(EOPNOTSUPP)  # a FID (an inode's identity, never opened) any filesystem gives
    wanted, _ = FILE_HANDLE.unpack(copy_from_user(t.mm, handle, FILE_HANDLE.size))
    if wanted > MAX_HANDLE_SZ:
        raise Errno(EINVAL)
    table = handles_of(t.machine.fs)
    if (wanted >> 2) < HANDLE_DWORDS:
        # exportfs_encode_fh: too small; the caller is told the size and type it needs, and EOVERFLOW
        header, body, answer = FILE_HANDLE.pack(HANDLE.size, FILEID_INVALID), b"", EOVERFLOW
    else:
        body = table.encode(inode, _path_of(t, dfd, name, inode))
        header, answer = FILE_HANDLE.pack(len(body), FILEID_INO32_GEN), 0
    if flag & AT_HANDLE_MNT_ID_UNIQUE:
        copy_to_user(t.mm, mnt_id, MOUNT_ID.to_bytes(8, "little"))
    else:
        copy_to_user(t.mm, mnt_id, MOUNT_ID.to_bytes(4, "little"))
    copy_to_user(t.mm, handle, header + body)
    if answer:
        raise Errno(answer)
    return 0


def _path_of(t: Task, dfd: int, name: int, inode: Inode) -> bytes:
    """The path a handle's file was named by (for /proc/PID/fd of a file opened by the handle)."""
    fs = t.machine.fs
    if isinstance(inode, Directory):
        return fs.path_of(inode)
    text = strncpy_from_user(t.mm, name, 4096) if name else b""
    if not text:
        return t.files.get(s32(dfd)).path if s32(dfd) != AT_FDCWD else fs.path_of(t.fs.cwd)
    return text if text.startswith(b"/") else fs.path_of(_base(t, dfd, text), text)


def _same_filesystem(anchor: Inode) -> bool:
    """Whether the mount descriptor's file is of the tree the handles are of (a pipe, a terminal, a host
    descriptor or /proc is another filesystem: no handle of the tree decodes there)."""
    return isinstance(anchor, (Regular, Symlink)) or (isinstance(anchor, Directory) and anchor.in_tree)


def _anchor(t: Task, mountdirfd: int) -> Inode:
    """get_path_anchor: the cwd for AT_FDCWD, else the descriptor's file (EBADF)."""
    fd = s32(mountdirfd)
    return t.fs.cwd if fd == AT_FDCWD else t.files.get(fd).inode


@syscall("sys_open_by_handle_at")
def sys_open_by_handle_at(t: Task, mountdirfd: int, handle: int, flags: int, *_: int) -> int:
    anchor = _anchor(t, mountdirfd)
    if not t.cred.capable(CAP_DAC_READ_SEARCH):
        raise Errno(EPERM)  # may_decode_fh: only a privileged caller may open files by handle
    size, kind = FILE_HANDLE.unpack(copy_from_user(t.mm, handle, FILE_HANDLE.size))
    if size > MAX_HANDLE_SZ or size == 0:
        raise Errno(EINVAL)
    if kind < 0 or kind & FILEID_USER_FLAGS_MASK & ~FILEID_VALID_USER_FLAGS:
        raise Errno(EINVAL)
    body = copy_from_user(t.mm, handle + FILE_HANDLE.size, size)
    table = handles_of(t.machine.fs)
    inode = table.decode(body) if _same_filesystem(anchor) and kind & 0xFF == FILEID_INO32_GEN else None
    if inode is None or not _exportable(inode):
        raise Errno(ESTALE)  # a FID of a file without export operations identifies it, never opens it
    f = _open_inode(t, inode, s32(flags) & 0xFFFFFFFF | KERNEL_O_LARGEFILE, table.path.get(inode, b"/"))
    try:
        return t.files.install(f, cloexec=bool(flags & O_CLOEXEC), limit=t.nofile())
    except Errno:
        f.inode.release(f)
        raise


def _open_inode(t: Task, node: Inode, flags: int, path: bytes) -> OpenFile:
    """do_handle_open's file_open_root(path, ""): the open of an inode already found, as open(2) ends."""
    if flags & O_PATH:
        flags &= O_PATH_FLAGS
    if isinstance(node, Symlink) and not flags & O_PATH:
        raise Errno(ELOOP)
    if isinstance(node, Directory) and (flags & O_ACCMODE != O_RDONLY or flags & O_CREAT):
        raise Errno(EISDIR)
    if flags & O_DIRECTORY and not isinstance(node, Directory):
        raise Errno(ENOTDIR)
    truncate = isinstance(node, Regular) and bool(flags & O_TRUNC) and flags & O_ACCMODE != O_RDONLY
    if not flags & O_PATH:
        permission.check(t.cred, node, permission.open_mask(flags, truncate=bool(flags & O_TRUNC)))
        if isinstance(node, Regular) and (flags & O_ACCMODE != O_RDONLY or flags & O_TRUNC):
            deny_write(t, node)
    node.opening(flags)
    if isinstance(node, Regular) and truncate:
        node.truncate(0)
        node.modified()
        fsnotify.truncated(node)
    f = OpenFile(node, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW), path)
    if not flags & O_PATH:
        node.attach(t, f)
    return f
