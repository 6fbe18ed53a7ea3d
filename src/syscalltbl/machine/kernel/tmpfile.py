"""O_TMPFILE (fs/namei.c do_tmpfile): an unnamed regular file of the directory's filesystem.

It has no name and a link count of 0; unless it was opened with O_EXCL it
is "linkable" (I_LINKABLE): linkat(fd, "", dir, name, AT_EMPTY_PATH) or a
link of /proc/self/fd/N may give it its first name.
"""

from __future__ import annotations

import stat
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import permission
from syscalltbl.machine.kernel.permission import MAY_EXEC, MAY_WRITE
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile, Regular
from syscalltbl.machine.uapi.errno import EINVAL, ENOENT, ENOTDIR, EOPNOTSUPP, Errno
from syscalltbl.machine.uapi.fcntl import O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_TRUNC

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

#: The unnamed files that may still be given a name.
_LINKABLE: weakref.WeakSet[Inode] = weakref.WeakSet()


def check_tmpfile_flags(flags: int) -> None:
    """build_open_flags, before the name is copied in: O_TMPFILE (never with O_CREAT) is for writing."""
    if flags & (O_DIRECTORY | O_CREAT) != O_DIRECTORY or flags & O_ACCMODE == O_RDONLY:
        raise Errno(EINVAL)


def open_tmpfile(task: Task, path: bytes, start: Directory, flags: int, perm: int) -> OpenFile:
    check_tmpfile_flags(flags)
    fs = task.machine.fs
    directory = fs.lookup(task, path, start)
    if not isinstance(directory, Directory):
        raise Errno(ENOTDIR)
    if not directory.in_tree:
        raise Errno(EOPNOTSUPP)  # /proc has no ->tmpfile
    if directory.nlink <= 0:
        raise Errno(ENOENT)  # removed: nothing can be made in it
    permission.check(task.cred, directory, MAY_WRITE | MAY_EXEC)  # vfs_tmpfile: as if making a name there
    uid, gid, mode = permission.new_owner(task.cred, directory, stat.S_IFREG | (perm & 0o7777 & ~task.fs.umask))
    node = Regular(b"", stat.S_IMODE(mode), fs.space_of(directory)).owned_by(uid, gid)
    node.sb = directory.sb
    node.nlink = 0
    if not flags & O_EXCL:
        _LINKABLE.add(node)
    name = fs.path_of(directory, b"#%d" % node.ino) + b" (deleted)"
    return OpenFile(node, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW), name)


def linkable(inode: Inode) -> bool:
    """Whether an inode with no links may be linked (an O_TMPFILE file opened without O_EXCL)."""
    return inode in _LINKABLE


def linked(inode: Inode) -> None:
    """It has a name now: vfs_link clears I_LINKABLE."""
    _LINKABLE.discard(inode)
