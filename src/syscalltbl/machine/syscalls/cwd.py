"""The working directory: chdir, fchdir and getcwd (fs/open.c, fs/d_path.c)."""

from __future__ import annotations

from syscalltbl.machine.kernel import permission
from syscalltbl.machine.kernel.permission import MAY_EXEC
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.vfs import Directory
from syscalltbl.machine.syscalls.fileargs import user_path
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import ENOENT, ENOTDIR, ERANGE, Errno


@syscall("sys_getcwd")
def sys_getcwd(t: Task, buf: int, size: int, *_: int) -> int:
    """fs/d_path.c: ENOENT for a removed directory; a directory the root does not lead to (a cwd left
    outside a chroot) is "(unreachable)" and its path from the top, which no path lookup takes."""
    cwd = t.fs.cwd
    if cwd.nlink <= 0:
        raise Errno(ENOENT)
    path, reachable = t.machine.fs.path_from_root(cwd, task=t)
    path = (path if reachable else b"(unreachable)" + path) + b"\0"
    if len(path) > size:
        raise Errno(ERANGE)
    copy_to_user(t.mm, buf, path)
    return len(path)


@syscall("sys_chdir")
def sys_chdir(t: Task, path: int, *_: int) -> int:
    inode = t.machine.fs.lookup(t, user_path(t, path), t.fs.cwd)
    if not isinstance(inode, Directory):
        raise Errno(ENOTDIR)
    permission.check(t.cred, inode, MAY_EXEC)
    t.fs.cwd = inode
    return 0


@syscall("sys_fchdir")
def sys_fchdir(t: Task, fd: int, *_: int) -> int:
    f = t.files.get(fd)
    if not isinstance(f.inode, Directory):
        raise Errno(ENOTDIR)
    permission.check(t.cred, f.inode, MAY_EXEC)
    t.fs.cwd = f.inode
    return 0
