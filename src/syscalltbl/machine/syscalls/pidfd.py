"""pidfd_open, pidfd_getfd and pidfd_send_signal (kernel/pid.c, kernel/signal.c).

The descriptor itself (kernel/pidfd.py) polls readable once its process has
exited; waitid(P_PIDFD) (syscalls/waitid.py) and clone's CLONE_PIDFD
(syscalls/process.py) use it too.
"""

from __future__ import annotations

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.pidfd import PidFd, open_pidfd, pidfd_file
from syscalltbl.machine.kernel.pidns import find_task_vpid, tgid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.procfs import ProcPidDir
from syscalltbl.machine.kernel.ptrace_access import ptrace_may_access
from syscalltbl.machine.kernel.signals import SIGINFO_SIZE
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.syscalls.sigqueue import forged, send_info
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.pidfd import (
    PIDFD_NONBLOCK,
    PIDFD_SEND_SIGNAL_FLAGS,
    PIDFD_SIGNAL_PROCESS_GROUP,
    PIDFD_SIGNAL_THREAD,
    PIDFD_SIGNAL_THREAD_GROUP,
    PIDFD_THREAD,
)
from syscalltbl.machine.uapi.signal import SI_TKILL, SI_USER


@syscall("sys_pidfd_open")
def sys_pidfd_open(t: Task, pid: int, flags: int, *_: int) -> int:
    pid, flags = s32(pid), flags & 0xFFFFFFFF
    if flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD) or pid <= 0:
        raise Errno(EINVAL)
    target = find_task_vpid(t, pid)
    if target is None:
        raise Errno(ESRCH)
    if not flags & PIDFD_THREAD and not target.is_leader:
        raise Errno(EINVAL)  # pidfd_prepare: this pid names no process, only a thread
    return open_pidfd(t, target, flags)


@syscall("sys_pidfd_getfd")
def sys_pidfd_getfd(t: Task, pidfd: int, fd: int, flags: int, *_: int) -> int:
    if flags:
        raise Errno(EINVAL)
    inode, _f = pidfd_file(t, s32(pidfd))
    target = inode.task
    if not inode.alive():
        raise Errno(ESRCH)
    if not ptrace_may_access(t, target):
        raise Errno(EPERM)
    if target.status is not None:
        raise Errno(EBADF)  # an exited task has no descriptors left (fget_task)
    stolen = target.files.get(s32(fd))
    return t.files.install(stolen, cloexec=True, limit=t.nofile())


def _named_task(t: Task, fd: int) -> tuple[Task, bool]:
    """The task a pidfd or an open /proc/PID directory names (pidfd_to_pid), and whether it is a thread's."""
    f = t.files.get(fd)
    inode = f.inode
    if isinstance(inode, PidFd):
        if not inode.alive():
            raise Errno(ESRCH)
        return inode.task, bool(f.flags & PIDFD_THREAD)
    if isinstance(inode, ProcPidDir):
        owner = inode.owner
        if t.machine.tasks.get(owner.tid) is not owner:
            raise Errno(ESRCH)
        return owner, False
    raise Errno(EBADF)


@syscall("sys_pidfd_send_signal")
def sys_pidfd_send_signal(t: Task, pidfd: int, sig: int, uinfo: int, flags: int, *_: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~PIDFD_SEND_SIGNAL_FLAGS or flags.bit_count() > 1:
        raise Errno(EINVAL)
    target, thread = _named_task(t, s32(pidfd))
    if flags & PIDFD_SIGNAL_THREAD:
        thread = True
    elif flags & (PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP):
        thread = False
    if uinfo:
        info = copy_from_user(t.mm, uinfo, SIGINFO_SIZE)  # as written: its si_signo must be `sig`
        if int.from_bytes(info[:4], "little", signed=True) != sig:
            raise Errno(EINVAL)
        # Only to oneself may a caller send a siginfo that claims to be the kernel's, kill's or tkill's.
        if (target is not t or thread or flags & PIDFD_SIGNAL_PROCESS_GROUP) and forged(info):
            raise Errno(EPERM)
    else:
        info = signals.siginfo(sig, SI_TKILL if thread else SI_USER, tgid_vnr(t), t.cred.uid)
    if flags & PIDFD_SIGNAL_PROCESS_GROUP:
        members = [x for x in t.machine.tasks.values() if x.is_leader and x.pgid == target.pgid]
        allowed = [x for x in members if _try_send(t, x, sig, info)]
        if not allowed:
            raise Errno(EPERM)
        return 0
    return send_info(t, target, sig, info, thread=thread)


def _try_send(t: Task, target: Task, sig: int, info: bytes) -> bool:
    try:
        send_info(t, target, sig, info, thread=False)
    except Errno as exc:
        if exc.errno == EINVAL:
            raise
        return False
    return True
