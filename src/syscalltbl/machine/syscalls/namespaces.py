"""unshare(2) (kernel/fork.c) and setns(2) (kernel/nsproxy.c).

The machine has mount namespaces (kernel/mount.py), UTS, IPC and time ones
(kernel/nsproxy.py, kernel/timens.py), pid ones (kernel/pidns.py), network
ones (kernel/inet.py) and user namespaces (kernel/userns.py); it is built
without cgroup namespaces, so asking for a new one is EINVAL, as from a kernel
configured without them. A new user
namespace comes first: the other new namespaces of the same call are owned by
it, and the capability to make them is checked there. unshare(CLONE_NEWTIME)
makes the namespace of the caller's future children (and of its next exec);
unshare(CLONE_NEWPID) too, the first of them its init.
Each new namespace counts against its maker's /proc/sys/user limits
(kernel/ucount.py). setns takes a namespace's nsfs file (/proc/PID/ns/KIND) or a
pidfd with the kinds of the process's namespaces to join, the user namespace first.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.mount import MountNamespace
from syscalltbl.machine.kernel.netns import InetNamespace
from syscalltbl.machine.kernel.nscommon import Namespace
from syscalltbl.machine.kernel.nsfs import AnyNamespace, NsFile, ns_kind
from syscalltbl.machine.kernel.nsproxy import ABSENT_NAMESPACES, IpcNamespace, NsProxy, UtsNamespace, copy_namespaces
from syscalltbl.machine.kernel.pidfd import PidFd
from syscalltbl.machine.kernel.pidns import PidNamespace, tgid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.ptrace_access import ptrace_may_access
from syscalltbl.machine.kernel.timens import TimeNamespace, join_vvar
from syscalltbl.machine.kernel.ucount import charge_for
from syscalltbl.machine.kernel.userns import (
    UserNamespace,
    check_new_user_ns,
    chrooted,
    enter_new_user_ns,
    enter_user_ns,
    owner_of,
)
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN, CAP_SYS_CHROOT
from syscalltbl.machine.uapi.errno import EINVAL, ENOMEM, EPERM, ESRCH, EUSERS, Errno
from syscalltbl.machine.uapi.sched import (
    CLONE_FILES,
    CLONE_FS,
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    CLONE_SIGHAND,
    CLONE_SYSVSEM,
    CLONE_THREAD,
    CLONE_VM,
    NAMESPACES,
)

#: What unshare(2) takes (ksys_unshare's first check).
UNSHARE_FLAGS = (CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM
                 | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWCGROUP
                 | CLONE_NEWTIME)


def _shared(t: Task, attribute: str) -> bool:
    """Another live task holds the same `attribute` object (fs, files, sighand, mm)."""
    mine = getattr(t, attribute)
    return any(o is not t and o.status is None and getattr(o, attribute) is mine for o in t.machine.tasks.values())


@syscall("sys_unshare")
def sys_unshare(t: Task, flags: int, *_: int) -> int:
    if flags & ~UNSHARE_FLAGS:
        raise Errno(EINVAL)
    if flags & CLONE_NEWUSER:
        flags |= CLONE_THREAD | CLONE_FS
    if flags & CLONE_VM:
        flags |= CLONE_SIGHAND
    if flags & CLONE_SIGHAND:
        flags |= CLONE_THREAD
    if flags & CLONE_NEWNS:
        flags |= CLONE_FS
    if flags & CLONE_NEWIPC:
        flags |= CLONE_SYSVSEM  # the old namespace's semaphore undos are applied, as at exit
    # check_unshare_flags: what another task still shares cannot be unshared.
    if flags & CLONE_THREAD and len(t.group.threads) > 1:
        raise Errno(EINVAL)
    if flags & CLONE_SIGHAND and _shared(t, "sighand"):
        raise Errno(EINVAL)
    if flags & CLONE_VM and t.mm.users > 1:
        raise Errno(EINVAL)
    cred = None
    if flags & CLONE_NEWUSER:  # unshare_userns: credentials in a new user namespace
        check_new_user_ns(t.cred, chrooted(t.fs.root, t.machine.fs.namespace(t).root.root))
        cred = t.cred.copy()
        enter_new_user_ns(cred)
        charge_for(t.machine.ucounts, cred.user_ns, t.cred.user_ns, t.cred.euid, "user")
    user_ns = cred.user_ns if cred is not None else t.cred.user_ns
    if flags & NAMESPACES & ~CLONE_NEWUSER:
        if not t.cred.ns_capable(user_ns, CAP_SYS_ADMIN):
            raise Errno(EPERM)  # unshare_nsproxy_namespaces
        if flags & ABSENT_NAMESPACES:
            raise Errno(EINVAL)  # create_new_namespaces: a namespace this kernel is built without
    ns = t.machine.fs.namespace(t).copy(t.machine.ram) if flags & CLONE_NEWNS else None
    if ns is not None:
        charge_for(t.machine.ucounts, ns, user_ns, t.cred.euid, "mnt")
    nsproxy = copy_namespaces(t.nsproxy, flags, user_ns, t.machine.ucounts, t.cred.euid, t.pid_ns)
    files = None
    if flags & CLONE_FILES and t.files.users > 1:
        if not t.files.copy_fits():
            raise Errno(ENOMEM)
        files = t.files.copy()
    # Nothing can fail from here on.
    if flags & CLONE_FS:
        t.fs = t.fs.copy()
    if ns is not None:
        t.fs.mnt_ns = ns
    if files is not None:
        t.files.users -= 1
        t.files = files
    if nsproxy is not t.nsproxy:
        switch_namespaces(t, nsproxy)
    if cred is not None:
        t.cred = cred
    return 0


def _single_threaded(t: Task) -> bool:
    """current_is_single_threaded: the process's one thread, and no other process shares its memory."""
    return len(t.group.threads) == 1 and t.mm.users == 1


def switch_namespaces(t: Task, nsproxy: NsProxy) -> None:
    """switch_task_namespaces, after leaving an IPC namespace the way exit does: the semaphore
    adjustments recorded there are applied (exit_sem), as its sets are out of reach from now on."""
    if nsproxy.ipc is not t.nsproxy.ipc:
        t.nsproxy.ipc.sem.exit_sem(t.group, tgid_vnr(t))
    t.nsproxy = nsproxy


#: check_setns_flags: the kinds a pidfd may name, each only if the kernel has it.
SETNS_PIDFD_FLAGS = (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP
                     | CLONE_NEWUSER | CLONE_NEWTIME)


def _namespace_of(target: Task, kind: int) -> AnyNamespace:
    if kind == CLONE_NEWNS:
        return target.machine.fs.namespace(target)
    if kind == CLONE_NEWUSER:
        return target.cred.user_ns
    if kind == CLONE_NEWPID:
        return target.pid_ns  # the one it is in, not its children's
    found = target.nsproxy.by_kind(kind)
    assert found is not None
    return found


def _pidfd_namespaces(t: Task, pidfd: PidFd, flags: int) -> list[AnyNamespace]:
    """validate_nsset's source: the namespaces of the process the pidfd names, one per kind asked for."""
    if not flags or flags & ~SETNS_PIDFD_FLAGS or flags & ABSENT_NAMESPACES:
        raise Errno(EINVAL)
    target = pidfd.task
    if not pidfd.alive() or target.status is not None:
        raise Errno(ESRCH)  # no task to take them from
    if not ptrace_may_access(t, target):
        raise Errno(EPERM)
    joining = [_namespace_of(target, kind)
               for kind in (CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET,
                            CLONE_NEWTIME)
               if flags & kind]
    # validate_nsset: the target's user namespace only if it is not the caller's own already.
    return [ns for ns in joining if ns is not t.cred.user_ns or not isinstance(ns, UserNamespace)]


@syscall("sys_setns")
def sys_setns(t: Task, fd: int, nstype: int, *_: int) -> int:
    f = t.files.get(s32(fd))
    inode = f.inode
    nstype &= 0xFFFFFFFF
    if isinstance(inode, NsFile):
        if nstype and nstype != ns_kind(inode.ns):
            raise Errno(EINVAL)
        joining = [inode.ns]
    elif isinstance(inode, PidFd):
        joining = _pidfd_namespaces(t, inode, nstype)
    else:
        raise Errno(EINVAL)  # neither an nsfs file nor a pidfd
    # Each *_install's checks, all before anything changes (validate_nsset), then commit_nsset.
    changed: dict[str, Namespace] = {}
    mnt_ns: MountNamespace | None = None
    cred = t.cred  # nsset->cred: a new one once a user namespace is joined
    for ns in joining:
        if isinstance(ns, UserNamespace):
            # userns_install: not one's own, not in a process of several threads or sharing its fs_struct.
            if ns is t.cred.user_ns or len(t.group.threads) > 1 or _shared(t, "fs"):
                raise Errno(EINVAL)
            if not t.cred.ns_capable(ns, CAP_SYS_ADMIN):
                raise Errno(EPERM)
            cred = t.cred.copy()
            enter_user_ns(cred, ns)
            continue
        if isinstance(ns, TimeNamespace) and not _single_threaded(t):
            raise Errno(EUSERS)  # timens_install, before its capability check
        # Each install: CAP_SYS_ADMIN over the namespace joined and over the (new) credentials' namespace.
        if not t.cred.ns_capable(owner_of(ns), CAP_SYS_ADMIN) or not t.cred.ns_capable(cred.user_ns, CAP_SYS_ADMIN):
            raise Errno(EPERM)
        if isinstance(ns, MountNamespace):
            # mntns_install: a task sharing its fs_struct cannot move it (setns with this kind alone works on
            # the task's own; with several, on a copy made for it).
            if not t.cred.ns_capable(cred.user_ns, CAP_SYS_CHROOT):
                raise Errno(EPERM)
            if len(joining) == 1 and _shared(t, "fs"):
                raise Errno(EINVAL)
            mnt_ns = ns
        elif isinstance(ns, UtsNamespace):
            changed["uts"] = ns
        elif isinstance(ns, IpcNamespace):
            changed["ipc"] = ns
        elif isinstance(ns, InetNamespace):
            changed["net"] = ns  # netns_install
        elif isinstance(ns, TimeNamespace):
            changed["time"] = changed["time_for_children"] = ns
        elif isinstance(ns, PidNamespace):
            if not t.pid_ns.contains(ns):
                raise Errno(EINVAL)  # pidns_install: only the caller's own namespace or one below it
            changed["pid_for_children"] = ns
    if mnt_ns is not None:
        if len(joining) > 1:
            t.fs = t.fs.copy()
        t.fs.mnt_ns = mnt_ns
        t.fs.root = None  # the namespace's own root, and the working directory there too
        t.fs.cwd = t.machine.fs.root_of(t)
    if cred is not t.cred:
        t.cred = cred
    if changed:
        switch_namespaces(t, t.nsproxy.replaced(**changed))
    if "time" in changed:
        join_vvar(t.machine, t, t.nsproxy.time)  # timens_commit
    return 0
