"""/proc/PID/uid_map, gid_map and setgroups (kernel/user_namespace.c's proc_*_map_write, proc_setgroups_*)."""

from __future__ import annotations

import stat
from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.kernel.procfile import ProcFile
from syscalltbl.machine.kernel.userns import (
    INVALID_ID,
    UID_GID_MAP_MAX_EXTENTS,
    IdMap,
    UserNamespace,
    cap_capable,
    make_kgid,
    make_kuid,
)
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.uapi.capability import CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.cred import Creds
    from syscalltbl.machine.kernel.process import Task


def _parse_map(data: bytes) -> list[tuple[int, int, int]]:
    """map_write's parse: lines of `first lower count` (decimal, blanks apart), no overlaps, at most 340."""
    text = data.split(b"\0", 1)[0]
    lines = text.split(b"\n")
    if lines and lines[-1] == b"" and len(lines) > 1:
        lines.pop()
    extents: list[tuple[int, int, int]] = []
    for number, line in enumerate(lines):
        words = line.split()
        if len(words) != 3 or not all(w.isdigit() for w in words):
            raise Errno(EINVAL)
        first, lower, count = (int(w) & 0xFFFFFFFF for w in words)  # simple_strtoul into u32 fields
        if INVALID_ID in (first, lower):
            raise Errno(EINVAL)
        if (first + count) & INVALID_ID <= first or (lower + count) & INVALID_ID <= lower:
            raise Errno(EINVAL)  # a zero count, or one that wraps
        for f, lo, c in extents:
            if (first < f + c and f < first + count) or (lower < lo + c and lo < lower + count):
                raise Errno(EINVAL)  # mappings_overlap
        if len(extents) + 1 == UID_GID_MAP_MAX_EXTENTS and number + 1 < len(lines):
            raise Errno(EINVAL)
        extents.append((first, lower, count))
    if not extents:
        raise Errno(EINVAL)
    return extents


def _idmap_permitted(opener: Creds, ns: UserNamespace, uids: bool, extents: list[tuple[int, int, int]]) -> bool:
    """new_idmap_permitted: the owner may map its own euid (or egid, once setgroups is denied) alone; else
    CAP_SETUID (CAP_SETGID) in the parent namespace, held by the writer and the file's opener alike."""
    parent = ns.parent
    assert parent is not None
    if len(extents) == 1 and extents[0][2] == 1 and ns.owner == opener.euid:
        lower = extents[0][1]
        if uids and make_kuid(parent, lower) == opener.euid:
            return True
        if not uids and not ns.setgroups_allowed and make_kgid(parent, lower) == opener.egid:
            return True
    return cap_capable(opener, parent, CAP_SETUID if uids else CAP_SETGID)


class IdMapFile(ProcFile):
    """/proc/PID/uid_map and gid_map: read as the reader's namespace sees the lower ids; written once, by one
    write of less than a page at offset 0, from the task's namespace or its parent (proc_uid_map_write)."""

    def __init__(self, owner: Callable[[], Task], uids: bool) -> None:
        self._owner, self._uids = owner, uids
        super().__init__(self._render)
        self.mode = stat.S_IFREG | 0o644

    def _map(self, ns: UserNamespace) -> IdMap:
        return ns.uid_map if self._uids else ns.gid_map

    def _render(self) -> bytes:
        ns = self._owner().cred.user_ns
        # Linux shows the lower ids as the reader's namespace sees them, its parent's for a reader inside
        # (uid_m_show): this is that view, which a reader in the namespace or its parent gets.
        return self._map(ns).render(ns.parent, self._uids)

    def write_from(self, f: OpenFile, data: bytes, writer: Task) -> int:
        ns = self._owner().cred.user_ns
        opener = writer.cred
        if opener.user_ns is not ns and opener.user_ns is not ns.parent:
            raise Errno(EPERM)
        if f.offset != 0 or len(data) >= abi.PAGE_SIZE:
            raise Errno(EINVAL)
        parent = ns.parent
        if parent is None or self._map(ns).extents:
            raise Errno(EPERM)  # the first namespace's maps are fixed; another's are written once
        if not cap_capable(opener, ns, CAP_SYS_ADMIN):
            raise Errno(EPERM)
        extents = _parse_map(data)
        if not _idmap_permitted(opener, ns, self._uids, extents):
            raise Errno(EPERM)
        lowered = []
        for first, lower, count in extents:
            kid = self._map(parent).range_down(lower, count)
            if kid == INVALID_ID:
                raise Errno(EPERM)
            lowered.append((first, kid, count))
        self._map(ns).extents = lowered
        return len(data)


class SetgroupsFile(ProcFile):
    """/proc/PID/setgroups: `allow` or `deny`; deny is for good, and only before the gid_map is written."""

    def __init__(self, owner: Callable[[], Task]) -> None:
        self._owner = owner
        super().__init__(lambda: b"allow\n" if owner().cred.user_ns.setgroups_allowed else b"deny\n")
        self.mode = stat.S_IFREG | 0o644

    def write_from(self, f: OpenFile, data: bytes, writer: Task) -> int:
        if f.offset != 0 or len(data) >= 8:
            raise Errno(EINVAL)
        word = data.split(b"\0", 1)[0].strip()
        if word not in (b"allow", b"deny"):
            raise Errno(EINVAL)
        ns = self._owner().cred.user_ns
        if not cap_capable(writer.cred, ns, CAP_SYS_ADMIN):
            raise Errno(EPERM)
        if word == b"allow":
            if not ns.setgroups_allowed:
                raise Errno(EPERM)  # enabling again after a deny is not allowed
        else:
            if ns.gid_map.extents:
                raise Errno(EPERM)  # nor denying once the gid_map is written
            ns.setgroups_allowed = False
        return len(data)
