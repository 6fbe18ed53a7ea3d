"""PID namespaces (kernel/pid_namespace.c, kernel/pid.c's struct pid and upid).

A task's pid has one number per level, from the machine's first namespace
(level 0, the global number the machine keys its tasks by: `Task.tid`) down
to the namespace the task was made in (`Task.pid_ns`, task_active_pid_ns).
The first task made in a new namespace gets 1 there, and is its init: its
child reaper, under PID 1's rules (kernel/pid1.py). A pid crosses the user
boundary as the number the caller's namespace knows it by (pid_nr_ns), 0
when the pid is outside it; a number a caller passes names a task of its
own namespace (find_vpid). Tasks of the first namespace keep their global
numbers, so nothing is looked up for them.

/proc/sys/kernel/ns_last_pid is the reader's namespace's last number, which
a checkpoint/restore tool writes to choose the next one.
"""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.nscommon import Namespace
from syscalltbl.machine.kernel.pidalloc import alloc_pid, pids_in_use
from syscalltbl.machine.kernel.procsys import SysctlNumber
from syscalltbl.machine.kernel.sysctl import RESERVED_PIDS, parse_int
from syscalltbl.machine.kernel.userns import UserNamespace, owner_of
from syscalltbl.machine.uapi.capability import CAP_CHECKPOINT_RESTORE, CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EAGAIN, EEXIST, EINVAL, ENOMEM, ENOSPC, EPERM, Errno
from syscalltbl.machine.uapi.sched import CLONE_NEWPID, MAX_PID_NS_LEVEL

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.cred import Creds
    from syscalltbl.machine.kernel.process import Task, ThreadGroup
    from syscalltbl.machine.machine import Machine

#: include/linux/proc_ns.h: the first pid namespace's fixed inode number.
PROC_PID_INIT_INO: Final = 0xEFFFFFFC


class PidNamespace(Namespace):
    """struct pid_namespace: its level, its parent, its numbers and its init.

    The first namespace's numbers are the machine's (machine.last_pid, its
    child_reaper); a nested one keeps its own: `numbers` maps each local
    number in use to the global one.
    """

    kind = CLONE_NEWPID
    proc_name = b"pid"

    def __init__(self, parent: PidNamespace | None, user_ns: UserNamespace | None, ino: int | None = None) -> None:
        super().__init__(ino, user_ns)
        self.parent = parent
        self.level: int = 0 if parent is None else parent.level + 1
        self.numbers: dict[int, int] = {}  # local -> global, for a nested namespace
        #: global -> (the pid's namespace, its number at each level): the nested tasks' pids, kept in the first
        #: namespace only (translating into the first namespace needs nothing).
        self.upids: dict[int, tuple[PidNamespace, tuple[int, ...]]] = {}
        self.last_pid = 0
        self.wrapped = False
        self.child_reaper: ThreadGroup | None = None  # its init, once it has one
        self.closed = False  # its init has ended: no task may be made in it (PIDNS_ADDING cleared)

    def root(self) -> PidNamespace:
        ns = self
        while ns.parent is not None:
            ns = ns.parent
        return ns

    def contains(self, ns: PidNamespace) -> bool:
        """`ns` is this namespace or one below it (pidns_is_ancestor's test)."""
        at: PidNamespace | None = ns
        while at is not None and at.level > self.level:
            at = at.parent
        return at is self


def create_pid_namespace(parent: PidNamespace, user_ns: UserNamespace) -> PidNamespace:
    """create_pid_namespace's checks: ENOSPC below MAX_PID_NS_LEVEL levels; EPERM for an owner that is not
    the parent's owner or below it (in_userns)."""
    if parent.level + 1 > MAX_PID_NS_LEVEL:
        raise Errno(ENOSPC)
    owner: UserNamespace | None = user_ns
    while owner is not None and owner is not parent.user_ns:
        owner = owner.parent
    if parent.user_ns is not None and owner is None:
        raise Errno(EPERM)
    return PidNamespace(parent, user_ns)


def _levels(ns: PidNamespace) -> list[PidNamespace]:
    """The namespace and those above it, the deepest first."""
    found = [ns]
    while found[-1].parent is not None:
        parent = found[-1].parent
        assert parent is not None
        found.append(parent)
    return found


def _restore_capable(cred: Creds, ns: PidNamespace) -> bool:
    """checkpoint_restore_ns_capable over the namespace's owner."""
    owner = owner_of(ns)
    return cred.ns_capable(owner, CAP_SYS_ADMIN) or cred.ns_capable(owner, CAP_CHECKPOINT_RESTORE)


def _next_local(ns: PidNamespace, pid_max: int) -> int:
    """alloc_pid's idr_alloc_cyclic in a nested namespace: the next free number after the last."""
    candidate = ns.last_pid + 1
    for _ in range(pid_max):
        if candidate >= pid_max:
            candidate = RESERVED_PIDS if ns.wrapped or ns.last_pid > RESERVED_PIDS else 1
            ns.wrapped = True
        if candidate not in ns.numbers:
            ns.last_pid = candidate
            return candidate
        candidate += 1
    raise Errno(EAGAIN)


def alloc_upid(machine: Machine, ns: PidNamespace, set_tid: tuple[int, ...], cred: Creds) -> tuple[int, ...]:
    """alloc_pid: a number at every level from `ns` up to the first namespace, each the next free one or
    the one set_tid asks for (set_tid[0] for `ns`, then up): EINVAL for more set_tid entries than levels,
    one out of range, or one other than 1 in a namespace without its init yet; EPERM without
    CAP_CHECKPOINT_RESTORE over that level's owner; EEXIST for a number in use. ENOMEM in a namespace
    whose init has ended (PIDNS_ADDING cleared), checked once the numbers are taken: as on Linux, the
    numbers a failed call took are given back but each namespace's next one has moved on."""
    levels = _levels(ns)
    if len(set_tid) > len(levels):
        raise Errno(EINVAL)
    pid_max = machine.sysctl.pid_max
    taken: list[tuple[PidNamespace, int]] = []  # the nested levels' numbers so far
    global_pid = 0
    try:
        for i, level in enumerate(levels):
            if i < len(set_tid):  # an entry is a request, 0 included (EINVAL)
                tid = set_tid[i]
                if not 1 <= tid < pid_max:
                    raise Errno(EINVAL)
                if tid != 1 and level.level > 0 and level.child_reaper is None:
                    raise Errno(EINVAL)  # a namespace's first task can only be its 1
                if not _restore_capable(cred, level):
                    raise Errno(EPERM)
                in_use = tid in level.numbers if level.level > 0 else tid in pids_in_use(machine)
                if in_use:
                    raise Errno(EEXIST)
                nr = tid
            else:
                nr = alloc_pid(machine) if level.level == 0 else _next_local(level, pid_max)
            if level.level == 0:
                global_pid = nr
            else:
                level.numbers[nr] = -1  # taken; the global number is known once the first level's is
                taken.append((level, nr))
        if ns.closed:
            raise Errno(ENOMEM)  # zap_pid_ns_processes took PIDNS_ADDING away
    except Errno:
        for level, nr in taken:
            level.numbers.pop(nr, None)
        raise
    for level, nr in taken:
        level.numbers[nr] = global_pid
    upid = (global_pid, *(nr for _, nr in reversed(taken)))
    if ns.level > 0:
        ns.root().upids[global_pid] = (ns, upid)
    return upid


def free_upid(ns: PidNamespace, upid: tuple[int, ...]) -> None:
    """free_pid: the task's numbers in every nested namespace are free again."""
    at: PidNamespace | None = ns
    while at is not None and at.level > 0:
        at.numbers.pop(upid[at.level], None)
        at = at.parent
    if ns.level > 0:
        ns.root().upids.pop(upid[0], None)


def pid_nr_ns(global_pid: int, ns: PidNamespace) -> int:
    """The number `ns` knows a pid by (pid_nr_ns): 0 when the pid is not in it or in one below it."""
    if ns.level == 0 or global_pid <= 0:
        return global_pid
    found = ns.root().upids.get(global_pid)
    if found is None:
        return 0
    owner, upid = found
    return upid[ns.level] if ns.contains(owner) else 0


def pid_numbers(global_pid: int, ns: PidNamespace) -> list[int]:
    """/proc/PID/status's NSpid: the pid's numbers from `ns` down to its own namespace, none outside it."""
    found = ns.root().upids.get(global_pid)
    if found is None:
        return [global_pid] if ns.level == 0 and global_pid > 0 else []
    owner, upid = found
    return list(upid[ns.level:]) if ns.contains(owner) else []


def pid_vnr(reader: Task, global_pid: int) -> int:
    """pid_vnr: the number the reader's own namespace knows a pid by."""
    return pid_nr_ns(global_pid, reader.pid_ns)


def tgid_vnr(t: Task) -> int:
    """task_tgid_vnr of the caller itself: its process's pid in its own namespace."""
    return t.pid if t.pid_ns.level == 0 else t.group.leader.upid[-1]


def tid_vnr(t: Task) -> int:
    """task_pid_vnr of the caller itself: its thread id in its own namespace."""
    return t.upid[-1]


def find_vpid(reader: Task, nr: int) -> int:
    """find_vpid: the global number of the pid the reader's namespace numbers `nr`, 0 for none."""
    ns = reader.pid_ns
    if ns.level == 0 or nr <= 0:
        return nr
    return ns.numbers.get(nr, 0)


def find_task_vpid(reader: Task, nr: int) -> Task | None:
    """find_task_by_vpid: the task the reader's namespace numbers `nr`."""
    global_pid = find_vpid(reader, nr)
    return reader.machine.tasks.get(global_pid) if global_pid > 0 else None


def ns_last_pid(machine: Machine, reader: Task) -> SysctlNumber:
    """/proc/sys/kernel/ns_last_pid of the reader's pid namespace. Anyone may open it (0666); a write needs
    CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN over the namespace's owner and a value from 0 to pid_max
    (pid_ns_ctl_handler); the next process then gets the first free pid above it."""
    ns = reader.pid_ns

    def read() -> bytes:
        return b"%d\n" % (machine.last_pid if ns.level == 0 else ns.last_pid)

    def write(data: bytes, writer: Task) -> None:
        if not _restore_capable(writer.cred, ns):
            raise Errno(EPERM)
        value = parse_int(data)
        if not 0 <= value <= machine.sysctl.pid_max:
            raise Errno(EINVAL)
        if ns.level > 0:
            ns.last_pid = value
            return
        machine.last_pid = value
        # The pids above it may be in use now: from here on each new one is checked (pidalloc's slow path).
        machine.pids_wrapped = True

    file = SysctlNumber(read, write)
    file.mode = stat.S_IFREG | 0o666
    return file
