"""Sending a signal with a siginfo the caller wrote: rt_sigqueueinfo and rt_tgsigqueueinfo (kernel/signal.c).

The permission rule and the sending are shared with pidfd_send_signal (syscalls/pidfd.py).
"""

from __future__ import annotations

from syscalltbl.machine.kernel import landlock, signals
from syscalltbl.machine.kernel.cred import kill_ok
from syscalltbl.machine.kernel.pidns import find_task_vpid, pid_vnr, tgid_vnr, tid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.signals import SIGINFO_SIZE
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EAGAIN, EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.signal import NSIG, SI_TKILL, SIGCONT


def may_signal(t: Task, target: Task, sig: int) -> bool:
    """check_kill_permission: a thread of one's own process, kill_ok_by_cred, or SIGCONT within the session;
    then Landlock's hook_task_kill: a process outside the sender's signal scope is out of reach."""
    if target.group is t.group:
        return True
    if landlock.signal_denied(t.cred.landlock, target.cred.landlock):
        return False
    return kill_ok(t.cred, target.cred) or (sig == SIGCONT and target.sid == t.sid)


def user_siginfo(t: Task, uinfo: int, sig: int) -> bytes:
    """The caller's siginfo (__copy_siginfo_from_user), its si_signo made `sig`."""
    raw = copy_from_user(t.mm, uinfo, SIGINFO_SIZE)
    return (sig & 0xFFFFFFFF).to_bytes(4, "little") + raw[4:]


def si_code(info: bytes) -> int:
    return int.from_bytes(info[8:12], "little", signed=True)


def forged(info: bytes) -> bool:
    """A siginfo only the kernel (si_code > 0), kill (SI_USER) or tkill (SI_TKILL) may write."""
    code = si_code(info)
    return code >= 0 or code == SI_TKILL


def send_info(t: Task, target: Task, sig: int, info: bytes, *, thread: bool) -> int:
    """group_send_sig_info / do_send_sig_info: EINVAL for no signal, EPERM without the right, EAGAIN for
    a real-time signal the target's queue has no room for; signal 0 checks only."""
    if not 0 <= sig <= NSIG:
        raise Errno(EINVAL)
    if si_code(info) <= 0 and not may_signal(t, target, sig):  # SI_FROMUSER: the kernel's own pass
        raise Errno(EPERM)
    if sig and not (signals.send_thread if thread else signals.send)(target, sig, info, may_fail=True):
        raise Errno(EAGAIN)  # a real-time signal past the target's RLIMIT_SIGPENDING
    return 0


def find_task(t: Task, tid: int) -> Task | None:
    """find_task_by_vpid: any thread id, a zombie's too (kill(zombie, 0) succeeds)."""
    return find_task_vpid(t, tid)


@syscall("sys_rt_sigqueueinfo")
def sys_rt_sigqueueinfo(t: Task, pid: int, sig: int, uinfo: int, *_: int) -> int:
    pid = s32(pid)
    info = user_siginfo(t, uinfo, sig)
    # Not even root may pretend to be the kernel, kill or tkill, except to itself.
    if forged(info) and tgid_vnr(t) != pid:
        raise Errno(EPERM)
    target = find_task(t, pid)
    if target is None:
        raise Errno(ESRCH)
    return send_info(t, target, sig, info, thread=False)


@syscall("sys_rt_tgsigqueueinfo")
def sys_rt_tgsigqueueinfo(t: Task, tgid: int, tid: int, sig: int, uinfo: int, *_: int) -> int:
    tgid, tid = s32(tgid), s32(tid)
    info = user_siginfo(t, uinfo, sig)
    if tid <= 0 or tgid <= 0:
        raise Errno(EINVAL)
    if forged(info) and tid_vnr(t) != tid:
        raise Errno(EPERM)
    target = find_task(t, tid)
    if target is None or pid_vnr(t, target.pid) != tgid:
        raise Errno(ESRCH)
    return send_info(t, target, sig, info, thread=True)
