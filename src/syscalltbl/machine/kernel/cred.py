"""Credentials (struct cred, kernel/cred.c, security/commoncap.c): who a task acts as, and the
capability bookkeeping that follows its ids."""

from __future__ import annotations

import bisect
import stat
import weakref
from array import array
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.kernel.userns import INIT_USER_NS, UserNamespace, cap_capable, make_kuid
from syscalltbl.machine.kernel.xattr import Charge
from syscalltbl.machine.uapi.capability import (
    CAP_FS_SET,
    CAP_FULL_SET,
    CAP_KILL,
    SECBIT_NO_SETUID_FIXUP,
    SECBIT_NOROOT,
)
from syscalltbl.machine.uapi.errno import ENOMEM, Errno
from syscalltbl.store.record import Value, replace

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.landlock import Domain

#: struct group_info beside its gids: the reference count and the count.
GROUP_INFO_BYTES: Final = 16


class GroupInfo:
    """struct group_info: supplementary groups, sorted (as setgroups keeps them, duplicates too), shared by
    every credential that holds them. Up to NGROUPS_MAX of them per task: they are charged to the machine's
    RAM as the kernel object they are (ENOMEM when it is full), until the last holder lets go."""

    __slots__ = ("__weakref__", "charge", "gids")

    def __init__(self, gids: Iterable[int] = (), ram: PhysicalMemory | None = None) -> None:
        self.gids = array("I", sorted(gids))
        self.charge = Charge(weakref.ref(ram) if ram is not None else None)
        if self.gids:
            size = GROUP_INFO_BYTES + self.gids.itemsize * len(self.gids)
            if not self.charge.fits(size):
                raise Errno(ENOMEM)
            self.charge.add(size)
            # Not at the interpreter's exit: RAM goes with the machine then.
            weakref.finalize(self, _release, self.charge).atexit = False

    def __len__(self) -> int:
        return len(self.gids)

    def __contains__(self, gid: int) -> bool:
        """groups_search: a binary search, as the list may be long."""
        at = bisect.bisect_left(self.gids, gid)
        return at < len(self.gids) and self.gids[at] == gid


def _release(charge: Charge) -> None:
    charge.add(-charge.bytes)


NO_GROUPS: Final = GroupInfo()


class Creds(Value):
    """A task's ids: real (`uid`), effective (`euid`, what most checks use), saved (`suid`, what an
    unprivileged process may switch back to) and filesystem (`fsuid`, what file permission checks
    use), the same four for groups, the supplementary groups (sorted, as setgroups keeps them), the
    capability sets, and PR_SET_KEEPCAPS."""

    uid: int
    euid: int
    suid: int
    fsuid: int
    gid: int
    egid: int
    sgid: int
    fsgid: int
    groups: GroupInfo
    cap_inheritable: int
    cap_permitted: int
    cap_effective: int
    cap_bset: int
    cap_ambient: int
    keepcaps: bool
    #: The other securebits and every lock (PR_SET_SECUREBITS); SECBIT_KEEP_CAPS is `keepcaps`.
    securebits: int
    #: The Landlock domain (security/landlock/cred.h: a blob of the credentials, so fork, exec and every
    #: credential change carry it). Never shrinks.
    landlock: Domain | None
    user_ns: UserNamespace  # the ids and capabilities are of this namespace (kernel/userns.py)

    __slots__ = _fields = (
        "uid", "euid", "suid", "fsuid", "gid", "egid", "sgid", "fsgid", "groups", "cap_inheritable", "cap_permitted",
        "cap_effective", "cap_bset", "cap_ambient", "keepcaps", "securebits", "landlock", "user_ns",
    )

    def __init__(
        self,
        uid: int = 0,
        euid: int = 0,
        suid: int = 0,
        fsuid: int = 0,
        gid: int = 0,
        egid: int = 0,
        sgid: int = 0,
        fsgid: int = 0,
        groups: GroupInfo = NO_GROUPS,
        cap_inheritable: int = 0,
        cap_permitted: int = CAP_FULL_SET,
        cap_effective: int = CAP_FULL_SET,
        cap_bset: int = CAP_FULL_SET,
        cap_ambient: int = 0,
        keepcaps: bool = False,
        securebits: int = 0,
        landlock: Domain | None = None,
        user_ns: UserNamespace = INIT_USER_NS,
    ) -> None:
        self.uid = uid
        self.euid = euid
        self.suid = suid
        self.fsuid = fsuid
        self.gid = gid
        self.egid = egid
        self.sgid = sgid
        self.fsgid = fsgid
        self.groups = groups
        self.cap_inheritable = cap_inheritable
        self.cap_permitted = cap_permitted
        self.cap_effective = cap_effective
        self.cap_bset = cap_bset
        self.cap_ambient = cap_ambient
        self.keepcaps = keepcaps
        self.securebits = securebits
        self.landlock = landlock
        self.user_ns = user_ns

    def copy(self) -> Creds:
        return replace(self)

    def capable(self, cap: int) -> bool:
        """capable: `cap` in the machine's first user namespace (none for a task in a child namespace)."""
        return cap_capable(self, INIT_USER_NS, cap)

    def ns_capable(self, ns: UserNamespace, cap: int) -> bool:
        """ns_capable: `cap` over what the user namespace `ns` owns."""
        return cap_capable(self, ns, cap)

    def in_group(self, gid: int) -> bool:
        """in_group_p: the filesystem gid or one of the supplementary groups."""
        return gid == self.fsgid or gid in self.groups


def root_kuid(cred: Creds) -> int:
    """The kernel uid of root in the credentials' user namespace (INVALID_ID where it maps no uid 0): whose ids
    the capability rules treat as root's (commoncap.c's root_uid)."""
    return make_kuid(cred.user_ns, 0)


def fix_setuid(old: Creds, new: Creds) -> None:
    """cap_emulate_setxuid, after setuid/setreuid/setresuid changed `new`'s user ids: leaving uid 0
    in all of real, effective and saved drops every permitted capability (unless keepcaps); the
    effective set follows the effective uid out of and back into 0. (The fsuid follows the euid here with
    no capability fix-up of its own: that is setfsuid's alone.)"""
    if new.securebits & SECBIT_NO_SETUID_FIXUP:
        return  # cap_task_fix_setuid: the task asked to manage its capabilities itself
    root = root_kuid(old)
    was_root = root in (old.uid, old.euid, old.suid)
    if was_root and root not in (new.uid, new.euid, new.suid) and not new.keepcaps:
        new.cap_permitted = new.cap_effective = 0
    if was_root and root not in (new.uid, new.euid, new.suid):
        new.cap_ambient = 0  # cap_task_fix_setuid clears the ambient set whatever keepcaps says
    if old.euid == root and new.euid != root:
        new.cap_effective = 0
    if old.euid != root and new.euid == root:
        new.cap_effective = new.cap_permitted


def fix_setfsuid(old: Creds, new: Creds) -> None:
    """LSM_SETID_FS: the filesystem capabilities leave with fsuid 0 and come back (those permitted) with it."""
    if new.securebits & SECBIT_NO_SETUID_FIXUP:
        return
    root = root_kuid(old)
    if old.fsuid == root and new.fsuid != root:
        new.cap_effective &= ~CAP_FS_SET
    if old.fsuid != root and new.fsuid == root:
        new.cap_effective |= new.cap_permitted & CAP_FS_SET


def access_creds(cred: Creds) -> Creds:
    """access_override_creds: access() asks as the real ids would; root's caps stay (as the permitted set)."""
    checking = cred.copy()
    checking.fsuid, checking.fsgid = cred.uid, cred.gid
    checking.cap_effective = cred.cap_permitted if cred.uid == root_kuid(cred) else 0
    return checking


def exec_creds(cred: Creds, mode: int, owner: int, group: int) -> tuple[Creds, bool]:
    """What execve of a file with `mode`, owned by `owner`:`group`, makes of `cred` (begin_new_exec with
    bprm_fill_uid and cap_bprm_creds_from_file), and whether the new program runs AT_SECURE."""
    new = cred.copy()
    if mode & stat.S_ISUID:
        new.euid = owner
    if mode & stat.S_ISGID and mode & stat.S_IXGRP:
        new.egid = group  # setgid without group execute marks mandatory locking, not a setgid program
    root = root_kuid(cred)
    if (new.euid == root or new.uid == root) and not cred.securebits & SECBIT_NOROOT:
        # handle_privileged_root: root's program gets every capability it may hold, effective if euid 0.
        new.cap_permitted = cred.cap_bset | cred.cap_inheritable
        new.cap_ambient = 0
        new.cap_effective = new.cap_permitted if new.euid == root else 0
    else:
        new.cap_permitted = new.cap_effective = cred.cap_ambient
    new.suid, new.fsuid = new.euid, new.euid
    new.sgid, new.fsgid = new.egid, new.egid
    new.keepcaps = False  # SECBIT_KEEP_CAPS does not survive an exec
    # A set-id program, or one a non-root user runs with capabilities beyond its ambient ones.
    setid = new.euid != cred.uid or new.egid != cred.gid
    secure = setid or (new.uid != root and bool(new.cap_permitted & ~new.cap_ambient))
    return new, secure


def kill_ok(sender: Creds, target: Creds) -> bool:
    """kill_ok_by_cred: the sender's real or effective uid is the target's real or saved one, or CAP_KILL."""
    return bool({sender.uid, sender.euid} & {target.uid, target.suid}) or sender.capable(CAP_KILL)
