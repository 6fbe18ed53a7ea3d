"""mknod and mknodat (fs/namei.c do_mknodat): regular files, FIFOs, socket names, and device nodes.

A device node of a device the machine has (its /dev has one of that
number: null, zero, full, random, urandom, tty) works as that device; 0:0 is a
whiteout, which anyone may make and nothing opens (ENXIO). A node of any
other number is made too (by a process with CAP_MKNOD), and opening it is
ENXIO, as for a number no driver has. In the host root
(hostfs.py) the node is the machine's, in the directory's upper layer.
"""

from __future__ import annotations

import stat

from syscalltbl.machine.kernel import fsnotify, landlock
from syscalltbl.machine.kernel.nodes import decode_dev, special_node
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.fs import _new_name
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import AT_FDCWD

_MAKEABLE = (0, stat.S_IFREG, stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK)


def do_mknodat(t: Task, dirfd: int, path: int, mode: int, dev: int) -> int:
    mode &= 0xFFFF  # umode_t
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFDIR:
        raise Errno(EPERM)  # may_mknod: directories are mkdir's
    if kind not in _MAKEABLE:
        raise Errno(EINVAL)
    parent, name = _new_name(t, dirfd, path)
    landlock.check_path(t, parent, None, landlock.make_access(kind or stat.S_IFREG))  # security_path_mknod
    perm = mode & 0o7777 & ~t.fs.umask
    made = parent.add(name, special_node(t, parent, (kind or stat.S_IFREG) | perm, decode_dev(dev & 0xFFFFFFFF)))
    fsnotify.created(parent, name, made)
    return 0


@syscall("sys_mknodat")
def sys_mknodat(t: Task, dirfd: int, path: int, mode: int, dev: int, *_: int) -> int:
    return do_mknodat(t, dirfd, path, mode, dev)


@syscall("sys_mknod")
def sys_mknod(t: Task, path: int, mode: int, dev: int, *_: int) -> int:
    return do_mknodat(t, AT_FDCWD, path, mode, dev)
