"""File permission checks (fs/namei.c generic_permission, fs/attr.c): an inode's owner, group and
mode bits against a task's filesystem ids, and the capabilities that override them."""

from __future__ import annotations

import stat
from typing import Final, Protocol

from syscalltbl.machine.kernel.cred import Creds
from syscalltbl.machine.uapi.capability import (
    CAP_CHOWN,
    CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH,
    CAP_FOWNER,
    CAP_FSETID,
    NO_ID,
)
from syscalltbl.machine.uapi.errno import EACCES, EPERM, EROFS, Errno
from syscalltbl.machine.uapi.fileattr import FS_APPEND_FL, FS_IMMUTABLE_FL

MAY_EXEC: Final = 1
MAY_WRITE: Final = 2
MAY_READ: Final = 4


class Owned(Protocol):
    """What the checks look at: any inode."""

    mode: int
    uid: int
    gid: int


def mode_permits(cred: Creds, inode: Owned, mask: int) -> bool:
    """acl_permission_check: the owner's, the group's or the others' bits, whichever class the fs ids fall in."""
    mode = inode.mode
    if cred.fsuid == inode.uid:
        mode >>= 6
    elif cred.in_group(inode.gid):
        mode >>= 3
    return not mask & ~mode & 0o7


def permits(cred: Creds, inode: Owned, mask: int) -> bool:
    """generic_permission: the mode bits, else CAP_DAC_READ_SEARCH for reading (and searching a directory),
    else CAP_DAC_OVERRIDE for anything but running a file nobody may run."""
    mask &= MAY_READ | MAY_WRITE | MAY_EXEC
    if mode_permits(cred, inode, mask):
        return True
    if stat.S_ISDIR(inode.mode):
        if not mask & MAY_WRITE and cred.capable(CAP_DAC_READ_SEARCH):
            return True
        return cred.capable(CAP_DAC_OVERRIDE)
    if mask == MAY_READ and cred.capable(CAP_DAC_READ_SEARCH):
        return True
    if not mask & MAY_EXEC or inode.mode & 0o111:
        return cred.capable(CAP_DAC_OVERRIDE)
    return False


def immutable(inode: object) -> bool:
    """IS_IMMUTABLE: chattr +i (kernel/fileattr.py)."""
    return bool(getattr(inode, "fsflags", 0) & FS_IMMUTABLE_FL)


def append_only(inode: object) -> bool:
    """IS_APPEND: chattr +a (kernel/fileattr.py)."""
    return bool(getattr(inode, "fsflags", 0) & FS_APPEND_FL)


def check(cred: Creds, inode: Owned, mask: int) -> None:
    """inode_permission: EROFS for writing a file, directory or link of a read-only filesystem
    (sb_permission, before anything else), EPERM for writing an immutable one, EACCES where `permits` says no."""
    if mask & MAY_WRITE and read_only(inode) and stat.S_IFMT(inode.mode) in (stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK):
        raise Errno(EROFS)
    if mask & MAY_WRITE and immutable(inode):
        raise Errno(EPERM)
    if not permits(cred, inode, mask):
        raise Errno(EACCES)


def read_only(inode: object) -> bool:
    """The inode's filesystem is mounted read-only (IS_RDONLY): its `sb` (kernel/mount.py) says so."""
    sb = getattr(inode, "sb", None)
    return bool(getattr(sb, "readonly", False))


def check_writable(inode: object) -> None:
    """mnt_want_write: EROFS before a change to a file of a read-only filesystem (chmod, chown, times, links)."""
    if read_only(inode):
        raise Errno(EROFS)


def is_owner(cred: Creds, inode: Owned) -> bool:
    """inode_owner_or_capable: the fsuid owns it, or CAP_FOWNER."""
    return cred.fsuid == inode.uid or cred.capable(CAP_FOWNER)


def check_owner(cred: Creds, inode: Owned) -> None:
    """setattr_prepare's rule for chmod and explicit times: EPERM unless the owner (or CAP_FOWNER)."""
    if not is_owner(cred, inode):
        raise Errno(EPERM)


def chmod_mode(cred: Creds, inode: Owned, mode: int) -> int:
    """The mode chmod stores: a non-member without CAP_FSETID cannot set the setgid bit of a file (it is cleared)."""
    if mode & stat.S_ISGID and not cred.in_group(inode.gid) and not cred.capable(CAP_FSETID):
        mode &= ~stat.S_ISGID
    return mode


def check_sticky_delete(cred: Creds, directory: Owned, victim: Owned) -> None:
    """may_delete: writing and searching the directory, no append-only directory, and in a sticky one owning
    the file or the directory (or CAP_FOWNER); no immutable or append-only file goes."""
    check(cred, directory, MAY_WRITE | MAY_EXEC)
    if append_only(directory):
        raise Errno(EPERM)
    if directory.mode & stat.S_ISVTX and cred.fsuid not in (victim.uid, directory.uid) and not cred.capable(CAP_FOWNER):
        raise Errno(EPERM)
    if append_only(victim) or immutable(victim):
        raise Errno(EPERM)


def check_attr_change(inode: object) -> None:
    """notify_change: no mode, owner or chosen time of an immutable or append-only file changes (EPERM)."""
    if immutable(inode) or append_only(inode):
        raise Errno(EPERM)


def check_create(cred: Creds, directory: Owned) -> None:
    """may_create: a new name needs write and search permission on its directory."""
    check(cred, directory, MAY_WRITE | MAY_EXEC)


def new_owner(cred: Creds, directory: Owned, mode: int) -> tuple[int, int, int]:
    """inode_init_owner: (uid, gid, mode) of a file made in `directory`: the fs ids, or the group of a
    setgid directory (whose subdirectories are setgid too); a setgid executable a non-member makes there
    loses its setgid bit (mode_strip_sgid)."""
    if not directory.mode & stat.S_ISGID:
        return cred.fsuid, cred.fsgid, mode
    if stat.S_ISDIR(mode):
        return cred.fsuid, directory.gid, mode | stat.S_ISGID
    setgid_program = mode & (stat.S_ISGID | stat.S_IXGRP) == stat.S_ISGID | stat.S_IXGRP
    if setgid_program and not cred.in_group(directory.gid) and not cred.capable(CAP_FSETID):
        mode &= ~stat.S_ISGID
    return cred.fsuid, directory.gid, mode


def open_mask(accmode: int, *, truncate: bool) -> int:
    """ACC_MODE: what an open's access mode asks for (O_RDWR and the invalid 3 both read and write);
    O_TRUNC asks for write."""
    mask = (MAY_READ, MAY_WRITE, MAY_READ | MAY_WRITE, MAY_READ | MAY_WRITE)[accmode & 3]
    return mask | MAY_WRITE if truncate else mask


def check_chown(cred: Creds, inode: Owned, user: int, group: int) -> None:
    """chown_ok / chgrp_ok: without CAP_CHOWN the owner may only "change" the owner to itself and the
    group to one it is in; NO_ID (-1) leaves either as it is."""
    if cred.capable(CAP_CHOWN):
        return
    if user != NO_ID and not (cred.fsuid == inode.uid and user == inode.uid):
        raise Errno(EPERM)
    if group != NO_ID and not (cred.fsuid == inode.uid and (group == inode.gid or cred.in_group(group))):
        raise Errno(EPERM)


def check_hardlink(cred: Creds, inode: Owned) -> None:
    """may_linkat under fs.protected_hardlinks = 1 (Linux's default): a file's owner (or CAP_FOWNER) may link
    it anywhere; anyone else only a regular file, neither set-user-ID nor a set-group-ID program, that they
    may read and write (EPERM otherwise)."""
    if is_owner(cred, inode):
        return
    mode = inode.mode
    safe = (stat.S_ISREG(mode) and not mode & stat.S_ISUID
            and mode & (stat.S_ISGID | stat.S_IXGRP) != stat.S_ISGID | stat.S_IXGRP
            and permits(cred, inode, MAY_READ | MAY_WRITE))
    if not safe:
        raise Errno(EPERM)
