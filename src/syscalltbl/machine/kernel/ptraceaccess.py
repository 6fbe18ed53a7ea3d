"""ptrace_may_access (kernel/ptrace.c) with the REALCREDS modes, the check pidfd_getfd and kcmp make."""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.uapi.capability import CAP_SYS_PTRACE

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


def ptrace_may_access(t: Task, target: Task) -> bool:
    """One's own process; else the caller's real user and group are every one of the target's ids and the
    target is dumpable; or CAP_SYS_PTRACE (no LSM here tells READ from ATTACH apart)."""
    if target.group is t.group:
        return True
    me, them = t.cred, target.cred
    if me.capable(CAP_SYS_PTRACE):
        return True
    same = me.uid == them.uid == them.euid == them.suid and me.gid == them.gid == them.egid == them.sgid
    return same and target.dumpable > 0
