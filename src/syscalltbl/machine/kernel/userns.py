"""User namespaces (kernel/user_namespace.c, security/commoncap.c's cap_capable); their /proc files are
kernel/userns_proc.py.

Credentials hold kernel ids (kuid, kgid): those of the machine's first
namespace. A user namespace maps ranges of its own ids onto its parent's
(/proc/PID/uid_map and gid_map, written once), so a task there sees its ids
through the maps, and an id with no mapping as the overflow id 65534. Its
creator gets every capability in the new namespace and none outside it; a
capability in a namespace holds for its owner in the parent's namespace,
and for whoever holds it in an ancestor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.nscommon import Namespace
from syscalltbl.machine.uapi.capability import CAP_FULL_SET, CAP_SETGID
from syscalltbl.machine.uapi.errno import EPERM, EUSERS, Errno
from syscalltbl.machine.uapi.sched import CLONE_NEWUSER

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.cred import Creds

PROC_USER_INIT_INO: Final = 0xEFFFFFFD  # include/linux/proc_ns.h
INVALID_ID: Final = 0xFFFFFFFF  # (u32)-1: no id
OVERFLOW_ID: Final = 65534  # overflowuid and overflowgid: what an unmapped id reads as
UID_GID_MAP_MAX_EXTENTS: Final = 340
MAX_LEVEL: Final = 32  # create_user_ns: deeper nesting is EUSERS


class IdMap:
    """struct uid_gid_map: extents (first, lower_first, count), lower_first a kernel id."""

    def __init__(self, extents: list[tuple[int, int, int]] | None = None) -> None:
        self.extents = extents or []

    def down(self, ident: int) -> int:
        """map_id_down: the kernel id of `ident`, INVALID_ID for none."""
        for first, lower, count in self.extents:
            if first <= ident < first + count:
                return lower + ident - first
        return INVALID_ID

    def up(self, kid: int) -> int:
        """map_id_up: the namespace's id for the kernel id `kid`, INVALID_ID for none."""
        for first, lower, count in self.extents:
            if lower <= kid < lower + count:
                return first + kid - lower
        return INVALID_ID

    def range_down(self, ident: int, count: int) -> int:
        """map_id_range_down: the kernel id of a whole range inside one extent, INVALID_ID otherwise."""
        for first, lower, length in self.extents:
            if first <= ident and ident + count - 1 < first + length:
                return lower + ident - first
        return INVALID_ID

    def render(self, lower_ns: UserNamespace | None, uids: bool) -> bytes:
        """uid_m_show/gid_m_show: each extent, its lower ids as `lower_ns` sees them."""
        rows = []
        for first, lower, count in self.extents:
            shown = lower if lower_ns is None else (lower_ns.uid_map if uids else lower_ns.gid_map).up(lower)
            rows.append(b"%10u %10u %10u\n" % (first, shown, count))
        return b"".join(rows)


class UserNamespace(Namespace):
    """struct user_namespace: the maps, the parent, the level, and the creator's euid and egid (owner, group)."""

    kind = CLONE_NEWUSER
    proc_name = b"user"

    def __init__(self, parent: UserNamespace | None, owner: int, group: int) -> None:
        super().__init__(PROC_USER_INIT_INO if parent is None else None, parent)  # owned by its parent
        self.parent = parent
        self.level: int = 0 if parent is None else parent.level + 1
        self.owner, self.group = owner, group
        everything = [(0, 0, INVALID_ID)]  # the first namespace maps every id to itself
        self.uid_map = IdMap(list(everything) if parent is None else None)
        self.gid_map = IdMap(list(everything) if parent is None else None)
        self.setgroups_allowed = True  # USERNS_SETGROUPS_ALLOWED; /proc/PID/setgroups may clear it

    def is_ancestor_of(self, other: UserNamespace) -> bool:
        """in_userns: `other` is this namespace or below it."""
        ns: UserNamespace | None = other
        while ns is not None:
            if ns is self:
                return True
            ns = ns.parent
        return False


#: init_user_ns: the same for every machine, its maps the identity and nothing in it ever changes.
INIT_USER_NS: Final = UserNamespace(None, 0, 0)


def owner_of(ns: object) -> UserNamespace:
    """The user namespace that owns a namespace (a mount namespace, and the first ones, the first's)."""
    owner = getattr(ns, "user_ns", None)
    return owner if isinstance(owner, UserNamespace) else INIT_USER_NS


def make_kuid(ns: UserNamespace, uid: int) -> int:
    return ns.uid_map.down(uid)


def make_kgid(ns: UserNamespace, gid: int) -> int:
    return ns.gid_map.down(gid)


def from_kuid_munged(ns: UserNamespace, kuid: int) -> int:
    """The uid `ns` sees for a kernel uid: the overflow uid where it maps none."""
    uid = ns.uid_map.up(kuid)
    return OVERFLOW_ID if uid == INVALID_ID else uid


def from_kgid_munged(ns: UserNamespace, kgid: int) -> int:
    gid = ns.gid_map.up(kgid)
    return OVERFLOW_ID if gid == INVALID_ID else gid


def cap_capable(cred: Creds, target: UserNamespace, cap: int) -> bool:
    """cap_capable: `cap` in `target` for `cred`: in its effective set if `target` is its namespace; always
    if `cred`'s euid owns a namespace between, whose parent is `cred`'s namespace; never otherwise."""
    own = cred.user_ns
    ns = target
    while True:
        if ns is own:
            return bool(cred.cap_effective >> cap & 1)
        if ns.level <= own.level or ns.parent is None:
            return False
        if ns.parent is own and ns.owner == cred.euid:
            return True
        ns = ns.parent


def check_new_user_ns(cred: Creds, chrooted: bool) -> None:
    """create_user_ns's refusals: EUSERS past 32 levels, EPERM for a chrooted task and for a creator whose
    euid or egid its own namespace does not map."""
    parent = cred.user_ns
    if parent.level >= MAX_LEVEL:
        raise Errno(EUSERS)
    if chrooted:
        raise Errno(EPERM)
    if parent.uid_map.up(cred.euid) == INVALID_ID or parent.gid_map.up(cred.egid) == INVALID_ID:
        raise Errno(EPERM)


def chrooted(root: object, namespace_root: object) -> bool:
    """current_chrooted: the task's root is not its mount namespace's."""
    return root is not None and root is not namespace_root


def enter_new_user_ns(cred: Creds) -> None:
    """create_user_ns and set_cred_user_ns: `cred` (a copy being made) is in a new child namespace of its
    own, with every capability there (and the securebits' keep-caps cleared)."""
    enter_user_ns(cred, UserNamespace(cred.user_ns, cred.euid, cred.egid))


def enter_user_ns(cred: Creds, ns: UserNamespace) -> None:
    """set_cred_user_ns: `cred` (a copy being made) acts in `ns`, with every capability there."""
    cred.user_ns = ns
    cred.cap_permitted = cred.cap_effective = cred.cap_bset = CAP_FULL_SET
    cred.cap_inheritable = cred.cap_ambient = 0
    cred.keepcaps = False


def may_setgroups(cred: Creds) -> bool:
    """may_setgroups: CAP_SETGID in the caller's namespace, whose gid_map is written and setgroups allowed."""
    ns = cred.user_ns
    allowed = ns.parent is None or (bool(ns.gid_map.extents) and ns.setgroups_allowed)
    return cap_capable(cred, ns, CAP_SETGID) and allowed

