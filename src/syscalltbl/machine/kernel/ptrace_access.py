"""ptrace_may_access (kernel/ptrace.c): may one task look into another's memory?

ptrace's attach, process_vm_readv/writev, pidfd_getfd and kcmp ask with the
REALCREDS modes (no LSM here tells READ from ATTACH apart): a thread of the
same process always may; otherwise the caller's real ids must match all of
the target's user ids and all of its group ids, and the target must be
dumpable, unless the caller holds CAP_SYS_PTRACE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.uapi.capability import CAP_SYS_PTRACE

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

#: include/linux/sched/coredump.h: SUID_DUMP_USER, the one dumpable value that lets others in.
SUID_DUMP_USER = 1


def ptrace_may_access(caller: Task, target: Task) -> bool:
    """__ptrace_may_access with PTRACE_MODE_REALCREDS (one user namespace: the machine's)."""
    if caller.group is target.group:
        return True
    mine, theirs = caller.cred, target.cred
    ids_match = (mine.uid == theirs.uid == theirs.euid == theirs.suid
                 and mine.gid == theirs.gid == theirs.egid == theirs.sgid)
    if not ids_match and not mine.capable(CAP_SYS_PTRACE):
        return False
    return target.dumpable == SUID_DUMP_USER or mine.capable(CAP_SYS_PTRACE)
