"""landlock_create_ruleset, landlock_add_rule, landlock_restrict_self (security/landlock/syscalls.c).

A ruleset is an anonymous-inode descriptor ("[landlock-ruleset]") whose
reads and writes are EINVAL; kernel/landlock.py holds what it is and what
a domain enforces.
"""

from __future__ import annotations

import stat
import struct

from syscalltbl.machine.kernel import landlock
from syscalltbl.machine.kernel.landlock import Ruleset
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import E2BIG, EBADF, EBADFD, EFAULT, EINVAL, ENOMSG, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import O_PATH, O_RDWR
from syscalltbl.machine.uapi.landlock import (
    LANDLOCK_CREATE_RULESET_ERRATA,
    LANDLOCK_CREATE_RULESET_VERSION,
    LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON,
    LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF,
    LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF,
    LANDLOCK_RULE_NET_PORT,
    LANDLOCK_RULE_PATH_BENEATH,
    NET_PORT_ATTR_SIZE,
    PATH_BENEATH_ATTR_SIZE,
    RULESET_ATTR_SIZE,
)

PAGE_SIZE = 4096
#: offsetofend(struct landlock_ruleset_attr, handled_access_fs): the shortest attr the call takes.
RULESET_ATTR_MIN = 8
U16_MAX = 0xFFFF
LANDLOCK_MASK_RESTRICT_SELF = (LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF | LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
                               | LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF)  # fmt: skip
_PATH_BENEATH = struct.Struct("<Qi")
_NET_PORT = struct.Struct("<QQ")


class RulesetFile(Inode):
    """The ruleset behind its descriptor (ruleset_fops): read and write exist only to be EINVAL."""

    def __init__(self, ruleset: Ruleset) -> None:
        super().__init__(ANON_INODE_MODE)
        self.ruleset = ruleset

    def read(self, f: OpenFile, count: int) -> bytes:
        raise Errno(EINVAL)

    def write(self, f: OpenFile, data: bytes) -> int:
        raise Errno(EINVAL)


def copy_min_struct_from_user(t: Task, addr: int, ksize: int, ksize_min: int, usize: int) -> bytes:
    """copy_min_struct_from_user: at least `ksize_min` bytes, at most a page, a longer tail all zeros."""
    if not addr:
        raise Errno(EFAULT)
    if usize < ksize_min:
        raise Errno(EINVAL)
    if usize > PAGE_SIZE:
        raise Errno(E2BIG)
    raw = copy_from_user(t.mm, addr, usize)
    if any(raw[ksize:]):
        raise Errno(E2BIG)
    return raw[:ksize].ljust(ksize, b"\0")


@syscall("sys_landlock_create_ruleset")
def sys_landlock_create_ruleset(t: Task, attr: int, size: int, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    if flags:
        if attr or size:
            raise Errno(EINVAL)
        if flags == LANDLOCK_CREATE_RULESET_VERSION:
            return landlock.LANDLOCK_ABI_VERSION
        if flags == LANDLOCK_CREATE_RULESET_ERRATA:
            return landlock.LANDLOCK_ERRATA
        raise Errno(EINVAL)
    raw = copy_min_struct_from_user(t, attr, RULESET_ATTR_SIZE, RULESET_ATTR_MIN, size)
    handled_fs, handled_net, scoped = struct.unpack("<3Q", raw)
    if handled_fs & ~landlock.LANDLOCK_MASK_ACCESS_FS or handled_net & ~landlock.LANDLOCK_MASK_ACCESS_NET:
        raise Errno(EINVAL)
    if scoped & ~landlock.LANDLOCK_MASK_SCOPE:
        raise Errno(EINVAL)
    ruleset = Ruleset(t.machine.ram, handled_fs, handled_net, scoped)
    f = OpenFile(RulesetFile(ruleset), O_RDWR, b"anon_inode:[landlock-ruleset]")
    return t.files.install(f, cloexec=True, limit=t.nofile())


def ruleset_from_fd(t: Task, fd: int) -> Ruleset:
    """get_ruleset_from_fd: EBADF for no descriptor (an O_PATH one included), EBADFD for another file."""
    f = t.files.get(s32(fd))
    if f.flags & O_PATH:
        raise Errno(EBADF)
    if not isinstance(f.inode, RulesetFile):
        raise Errno(EBADFD)
    return f.inode.ruleset


def _rule_file(t: Task, fd: int) -> OpenFile:
    """get_path_from_fd: any descriptor with a path in a mounted filesystem (O_PATH ones too); a ruleset, a
    pipe, a socket or another file of an internal mount (anonymous inodes, nsfs) is EBADFD."""
    f = t.files.get(fd)
    if isinstance(f.inode, RulesetFile) or not f.path.startswith(b"/"):
        raise Errno(EBADFD)
    return f


@syscall("sys_landlock_add_rule")
def sys_landlock_add_rule(t: Task, ruleset_fd: int, rule_type: int, rule_attr: int, flags: int, *_: int) -> int:
    if flags & 0xFFFFFFFF:
        raise Errno(EINVAL)
    ruleset = ruleset_from_fd(t, ruleset_fd)
    rule_type &= 0xFFFFFFFF
    if rule_type == LANDLOCK_RULE_PATH_BENEATH:
        access, parent_fd = _PATH_BENEATH.unpack(copy_from_user(t.mm, rule_attr, PATH_BENEATH_ATTR_SIZE))
        if not access:
            raise Errno(ENOMSG)  # a rule that allows nothing would be ignored: said so
        if access & ~ruleset.handled_fs:
            raise Errno(EINVAL)
        inode = _rule_file(t, parent_fd).inode
        if not stat.S_ISDIR(inode.mode) and access & ~landlock.ACCESS_FILE:
            raise Errno(EINVAL)  # landlock_append_fs_rule: a file gets only the rights that make sense on one
        ruleset.add_fs_rule(inode, access)
        return 0
    if rule_type == LANDLOCK_RULE_NET_PORT:
        access, port = _NET_PORT.unpack(copy_from_user(t.mm, rule_attr, NET_PORT_ATTR_SIZE))
        if not access:
            raise Errno(ENOMSG)
        if access & ~ruleset.handled_net:
            raise Errno(EINVAL)
        if port > U16_MAX:
            raise Errno(EINVAL)
        ruleset.add_net_rule(port, access)
        return 0
    raise Errno(EINVAL)


@syscall("sys_landlock_restrict_self")
def sys_landlock_restrict_self(t: Task, ruleset_fd: int, flags: int, *_: int) -> int:
    # As seccomp's filters: a task without no_new_privs must be privileged, lest it confuse a set-id child.
    if not t.no_new_privs and not t.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)
    flags &= 0xFFFFFFFF
    if flags & ~LANDLOCK_MASK_RESTRICT_SELF:
        raise Errno(EINVAL)
    if s32(ruleset_fd) == -1 and flags == LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF:
        return 0  # only muting the logs of domains to come: this kernel has no audit log to mute
    ruleset = ruleset_from_fd(t, ruleset_fd)
    new = t.cred.copy()
    new.landlock = landlock.merge(t.cred.landlock, ruleset, t.machine.ram)
    t.cred = new
    return 0
