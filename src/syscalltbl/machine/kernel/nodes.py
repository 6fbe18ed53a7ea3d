"""The special files mknod makes: FIFOs, socket names, and nodes for the machine's own character devices."""

from __future__ import annotations

import copy
import os
import stat
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import permission
from syscalltbl.machine.kernel.fifo import Fifo
from syscalltbl.machine.kernel.vfs import Device, Directory, FullDevice, Inode, RandomDevice, Regular, TtyDevice
from syscalltbl.machine.uapi.capability import CAP_MKNOD
from syscalltbl.machine.uapi.errno import ENXIO, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import O_PATH

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


class SocketNode(Inode):
    """A socket's name made by mknod(S_IFSOCK): no socket is bound to it, so open(2) gets ENXIO."""

    def opening(self, flags: int) -> None:
        if not flags & O_PATH:
            raise Errno(ENXIO)


class Whiteout(Inode):
    """A character node numbered 0:0 (WHITEOUT_DEV): anyone may make one (vfs_mknod), no driver opens it (ENXIO)."""

    def opening(self, flags: int) -> None:
        if not flags & O_PATH:
            raise Errno(ENXIO)


class UnboundDevice(Inode):
    """A character or block node whose number is no device of the machine: it exists, stats and links as
    any node, and opening it is ENXIO, as chrdev_open and blkdev_open answer for a number no driver has."""

    def opening(self, flags: int) -> None:
        if not flags & O_PATH:
            raise Errno(ENXIO)


def decode_dev(dev: int) -> int:
    """new_decode_dev: mknod's 32-bit device number (major in bits 8-19, minor in 0-7 and 20-31) as a dev_t."""
    major = (dev & 0xFFF00) >> 8
    minor = (dev & 0xFF) | ((dev >> 12) & 0xFFF00)
    return os.makedev(major, minor)


def device_node(t: Task, mode: int, rdev: int) -> Inode:
    """A new node for one of the machine's character devices (its /dev has one of that number), or a whiteout;
    for any other number, a node that no driver opens (UnboundDevice).

    The node is an inode of its own (number, owner, mode, times) that works as the device does.
    """
    if stat.S_ISCHR(mode) and rdev == 0:
        return Whiteout(mode)
    dev = t.machine.fs.root.child(b"dev")
    if stat.S_ISCHR(mode) and isinstance(dev, Directory):
        for inode in dev.entries.values():
            if stat.S_ISCHR(inode.mode) and inode.rdev == rdev and type(inode) in _COPYABLE:
                node = copy.copy(inode)
                Inode.__init__(node, mode, rdev)
                return node
    return UnboundDevice(mode, rdev)


#: The built-in devices whose state is their number and kind alone (not a project's driver).
_COPYABLE: tuple[type[Inode], ...] = (Device, FullDevice, RandomDevice, TtyDevice)


def special_node(t: Task, parent: Directory, mode: int, rdev: int) -> Inode:
    """The inode mknod makes in `parent` for `mode` (type and permissions, the umask applied already)."""
    permission.check_create(t.cred, parent)
    if stat.S_IFMT(mode) in (stat.S_IFCHR, stat.S_IFBLK) and not t.cred.capable(CAP_MKNOD):
        raise Errno(EPERM)  # may_mknod: devices need CAP_MKNOD
    uid, gid, mode = permission.new_owner(t.cred, parent, mode)
    kind, perm = stat.S_IFMT(mode), stat.S_IMODE(mode)
    fs = t.machine.fs
    node: Inode
    if kind in (0, stat.S_IFREG):
        node = Regular(b"", perm, fs.space_of(parent))
    elif kind == stat.S_IFIFO:
        node = fs.charged(Fifo(perm, t.machine.ram), parent)
    elif kind == stat.S_IFSOCK:
        node = fs.charged(SocketNode(stat.S_IFSOCK | perm), parent)
    else:
        node = fs.charged(device_node(t, kind | perm, rdev), parent)
    return node.owned_by(uid, gid)
