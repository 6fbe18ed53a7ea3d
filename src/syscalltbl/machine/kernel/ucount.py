"""How many namespaces each user makes (kernel/ucount.c): /proc/sys/user/max_*_namespaces.

Each user namespace holds a limit per kind of namespace and a count per
user and kind. Making a namespace owned by user namespace N, as uid U,
counts against (N, U), then against N's parent for N's owner, and so on up
to the first user namespace: past a limit at any level the call is ENOSPC.
A count goes back when its namespace is freed. The first namespace's limits
start at half of threads-max, as fork_init sets them; a new namespace's at
INT_MAX, bounded by those above it. The first user namespace is the same
object on every machine, so each machine keeps its counts and limits apart.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Final

from syscalltbl.machine.kernel.userns import UserNamespace
from syscalltbl.machine.uapi.errno import ENOSPC, Errno

INT_MAX: Final = (1 << 31) - 1
LONG_MAX: Final = (1 << 63) - 1
#: enum ucount_type's namespace kinds, by their /proc/sys/user file names.
KINDS: Final = ("user", "pid", "uts", "ipc", "net", "mnt", "cgroup", "time")


class Ucounts:
    """One user namespace's ucount_max (its /proc/sys/user values) and the counts charged to it."""

    def __init__(self, limit: int) -> None:
        self.max = dict.fromkeys(KINDS, limit)
        self.counts: dict[tuple[int, str], int] = {}  # (uid, kind) -> namespaces made


_children: weakref.WeakKeyDictionary[UserNamespace, Ucounts] = weakref.WeakKeyDictionary()


def ucounts_of(init: Ucounts, ns: UserNamespace) -> Ucounts:
    """The counts of `ns`; `init`: the machine's, for its first namespace."""
    if ns.parent is None:
        return init
    found = _children.get(ns)
    if found is None:
        found = _children[ns] = Ucounts(INT_MAX)
    return found


def charge(init: Ucounts, ns: UserNamespace, uid: int, kind: str) -> Callable[[], None]:
    """inc_ucount: one more namespace of `kind` for `uid` in `ns` and, level by level, for each owner in the
    namespace above; ENOSPC past a limit. Returns what gives the counts back (dec_ucount)."""
    levels: list[tuple[Ucounts, tuple[int, str]]] = []
    at: UserNamespace | None = ns
    who = uid
    while at is not None:
        levels.append((ucounts_of(init, at), (who, kind)))
        who = at.owner
        at = at.parent
    for counts, key in levels:
        if counts.counts.get(key, 0) >= counts.max[kind]:
            raise Errno(ENOSPC)
    for counts, key in levels:
        counts.counts[key] = counts.counts.get(key, 0) + 1

    def release() -> None:
        for counts, key in levels:
            left = counts.counts.get(key, 0) - 1
            if left > 0:
                counts.counts[key] = left
            else:
                counts.counts.pop(key, None)

    return release


def charge_for(init: Ucounts, ns: object, owner: UserNamespace, uid: int, kind: str) -> None:
    """charge() for the namespace `ns` just made, its counts given back when it is freed."""
    weakref.finalize(ns, charge(init, owner, uid, kind)).atexit = False
