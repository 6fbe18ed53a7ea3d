"""The namespaces a task is in besides its mounts (include/linux/nsproxy.h, kernel/nsproxy.c): UTS
(kernel/utsname.c), IPC (ipc/namespace.c), time (kernel/timens.py), network (kernel/inet.py's
InetNamespace, net/core/net_namespace.c) and the pid namespace of its children (kernel/pidns.py).
A task's user namespace is its
credentials' (kernel/userns.py); every namespace is owned by the user namespace it was made in.

A task holds one NsProxy; tasks made by clone without a CLONE_NEW* flag
share their creator's. unshare(2), clone(2) and setns(2) give the task a
new NsProxy with the namespaces they change, as switch_task_namespaces
does, so the threads of a process can stand in different namespaces.

A UTS namespace holds the host and domain names uname reports; a new one
starts as a copy of its creator's (copy_utsname). An IPC namespace holds the
System V message queues, semaphore sets and shared memory segments, the
POSIX message queues, and their /proc/sys limits, which a new one starts at
their defaults (msg_init_ns, sem_init_ns, shm_init_ns, mq_init_ns). When the
last reference to an IPC namespace goes, the objects it held go with it
(free_ipc_ns): queued messages and semaphore sets give their memory back,
and segments go with their last mapping.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.ipclimits import IpcLimits
from syscalltbl.machine.kernel.netns import InetNamespace
from syscalltbl.machine.kernel.nscommon import Namespace
from syscalltbl.machine.kernel.pidns import PROC_PID_INIT_INO, PidNamespace, create_pid_namespace
from syscalltbl.machine.kernel.shm import ShmNamespace
from syscalltbl.machine.kernel.sysctl import MACHINE_NAME, OSRELEASE, OSTYPE, VERSION
from syscalltbl.machine.kernel.timens import TimeNamespace
from syscalltbl.machine.kernel.ucount import Ucounts, charge_for
from syscalltbl.machine.kernel.userns import UserNamespace
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.sched import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    NAMESPACES,
)

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.mqueue import MqueueFs
    from syscalltbl.machine.kernel.msg import MessageQueues
    from syscalltbl.machine.kernel.process import ThreadGroup
    from syscalltbl.machine.kernel.sem import Semaphores

#: include/linux/proc_ns.h: the boot namespaces' fixed inode numbers.
PROC_IPC_INIT_INO: Final = 0xEFFFFFFF
PROC_UTS_INIT_INO: Final = 0xEFFFFFFE

#: The kinds of namespace the machine is built with; clone and unshare refuse the others (EINVAL).
BUILT_NAMESPACES: Final = (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWTIME | CLONE_NEWUSER | CLONE_NEWPID
                           | CLONE_NEWNET)
ABSENT_NAMESPACES: Final = NAMESPACES & ~BUILT_NAMESPACES

#: What one namespace's own objects cost the host, charged to RAM as kernel memory (ENOMEM past it).
NAMESPACE_BYTES: Final = 1024


class UtsNamespace(Namespace):
    kind = CLONE_NEWUTS
    proc_name = b"uts"

    def __init__(self, hostname: bytes, domainname: bytes, ino: int | None = None,
                 user_ns: UserNamespace | None = None) -> None:
        super().__init__(ino, user_ns)
        self.hostname = hostname
        self.domainname = domainname

    def utsname(self) -> tuple[bytes, bytes, bytes, bytes, bytes, bytes]:
        """struct new_utsname's six fields, in order."""
        return OSTYPE, self.hostname, OSRELEASE, VERSION, MACHINE_NAME, self.domainname

    def copy(self, owner: UserNamespace) -> UtsNamespace:
        """copy_utsname: the names as they are now."""
        return UtsNamespace(self.hostname, self.domainname, None, owner)


def _free_ipcs(made: list[tuple[MessageQueues, Semaphores]]) -> None:
    """free_ipcs: the namespace is gone, and what its queues and sets held comes back (if it had them)."""
    for msg, sem in made:
        for queue in list(msg.objects.values()):
            msg.destroy(queue)
        for sset in list(sem.objects.values()):
            sem.destroy(sset)


#: The parts an IPC namespace makes at the first read of one (IpcNamespace.__getattr__).
_IPC_PARTS: Final = frozenset(("msg", "sem", "mqueue"))


class IpcNamespace(Namespace):
    """Its inode number, limits, shared memory and RAM charge are made with it; its message queues, semaphore
    sets and POSIX message queues, which draw nothing (no number, no charge) until used, at the first read
    of one: a run that uses none does not import them."""

    kind = CLONE_NEWIPC
    proc_name = b"ipc"

    msg: MessageQueues
    sem: Semaphores
    mqueue: MqueueFs

    def __init__(self, ram: PhysicalMemory, shm: ShmNamespace, ino: int | None = None,
                 user_ns: UserNamespace | None = None) -> None:
        super().__init__(ino, user_ns)
        self.ram = ram
        self.limits = IpcLimits()  # kernel.msg*, sem, shm*, *_next_id; fs.mqueue.*
        self.shm = shm
        self._made: list[tuple[MessageQueues, Semaphores]] = []  # msg and sem once made, for free_ipcs
        ram.slab_charge(NAMESPACE_BYTES)
        weakref.finalize(self, ram.slab_charge, -NAMESPACE_BYTES).atexit = False
        weakref.finalize(self, _free_ipcs, self._made).atexit = False

    def __getattr__(self, name: str) -> object:
        """Only for an attribute the instance does not have: a part, the first time one is read."""
        if name not in _IPC_PARTS or "_made" not in self.__dict__:
            raise AttributeError(name)
        from syscalltbl.machine.kernel.mqueue import MqueueFs
        from syscalltbl.machine.kernel.msg import MessageQueues
        from syscalltbl.machine.kernel.sem import Semaphores

        self.msg = MessageQueues(self.ram, self.limits)
        self.sem = Semaphores(self.ram, self.limits)
        self.mqueue = MqueueFs(self.ram)
        self._made.append((self.msg, self.sem))
        return self.__dict__[name]

    def exit_sem(self, group: ThreadGroup, pid: int) -> None:
        """exit_sem: the SEM_UNDO adjustments of a process whose last thread ended, in a namespace that has
        made its semaphore sets (none to undo in one that has not: no need to make them)."""
        for _msg, sem in self._made:
            sem.exit_sem(group, pid)

    def fresh(self, owner: UserNamespace) -> IpcNamespace:
        """create_ipc_ns: empty, its limits at their defaults."""
        return IpcNamespace(self.ram, ShmNamespace(self.ram, self.shm.current), None, owner)


class NsProxy:
    """struct nsproxy: the namespaces a task is in (its mount namespace is its fs_struct's, kernel/mount.py)."""

    def __init__(self, uts: UtsNamespace, ipc: IpcNamespace, time: TimeNamespace,
                 time_for_children: TimeNamespace, pid_for_children: PidNamespace, net: InetNamespace) -> None:
        self.uts = uts
        self.ipc = ipc
        self.net = net
        self.time = time
        self.time_for_children = time_for_children  # where children go: unshare(CLONE_NEWTIME) changes only this
        #: The pid namespace children are made in; the task's own is its pid's (Task.pid_ns), never changed.
        self.pid_for_children = pid_for_children

    def replaced(self, **namespaces: Namespace) -> NsProxy:
        """A copy with some namespaces changed (create_new_namespaces, and setns's nsset)."""
        made = NsProxy(self.uts, self.ipc, self.time, self.time_for_children, self.pid_for_children, self.net)
        for name, ns in namespaces.items():
            setattr(made, name, ns)
        return made

    def by_kind(self, kind: int) -> Namespace | None:
        """The namespace of one CLONE_NEW* kind, None for a kind not kept here."""
        return {CLONE_NEWUTS: self.uts, CLONE_NEWIPC: self.ipc, CLONE_NEWTIME: self.time,
                CLONE_NEWNET: self.net}.get(kind)


def copy_namespaces(old: NsProxy, flags: int, owner: UserNamespace, ucounts: Ucounts, uid: int,
                    active_pid_ns: PidNamespace) -> NsProxy:
    """create_new_namespaces: `old`, with a new namespace of each kind `flags` asks for (old itself for none).
    A new time namespace is for the children (copy_time_ns); ENOMEM when RAM cannot hold one. The new ones
    are owned by `owner`, the user namespace of the credentials the task has from now on, and count
    against the namespaces `uid` may make (kernel/ucount.py: ENOSPC past its limit). A new pid namespace is
    for the children too, below the caller's own (`active_pid_ns`): EINVAL when the caller's children
    already go elsewhere (copy_pid_ns)."""
    changed: dict[str, Namespace] = {}
    if flags & CLONE_NEWPID:
        if old.pid_for_children is not active_pid_ns:
            raise Errno(EINVAL)
        changed["pid_for_children"] = create_pid_namespace(active_pid_ns, owner)
    if flags & CLONE_NEWUTS:
        changed["uts"] = old.uts.copy(owner)
    if flags & CLONE_NEWIPC:
        changed["ipc"] = old.ipc.fresh(owner)
    if flags & CLONE_NEWTIME:
        changed["time_for_children"] = old.time_for_children.clone(old.ipc.ram, owner)
    if flags & CLONE_NEWNET:
        changed["net"] = old.net.fresh(owner)
    for name, ns in changed.items():
        charge_for(ucounts, ns, owner, uid, name.removesuffix("_for_children"))
    return old.replaced(**changed) if changed else old


def boot_nsproxy(ram: PhysicalMemory, shm: ShmNamespace, hostname: bytes, domainname: bytes) -> NsProxy:
    """init_nsproxy: the namespaces the first process starts in, with their fixed inode numbers."""
    time = TimeNamespace(None)
    return NsProxy(UtsNamespace(hostname, domainname, PROC_UTS_INIT_INO), IpcNamespace(ram, shm, PROC_IPC_INIT_INO),
                   time, time, PidNamespace(None, None, PROC_PID_INIT_INO), InetNamespace(ram))
