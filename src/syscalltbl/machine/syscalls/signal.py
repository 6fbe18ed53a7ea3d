"""Signals: actions, masks, waiting for one, sending one, and returning from a handler (kernel/signal.c)."""

from __future__ import annotations

from syscalltbl.machine.kernel import landlock, signals
from syscalltbl.machine.kernel.cred import kill_ok
from syscalltbl.machine.kernel.pidns import find_task_vpid, find_vpid, pid_vnr, tgid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.signals import KERNEL_SIGSET_SIZE, SigAction
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.fileargs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EAGAIN, EFAULT, EINTR, EINVAL, ENOMEM, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.signal import (
    MINSIGSTKSZ,
    NSIG,
    SI_TKILL,
    SI_USER,
    SIG_BLOCK,
    SIG_SETMASK,
    SIG_UNBLOCK,
    SIGCONT,
    SIGKILL,
    SIGSTOP,
    SS_AUTODISARM,
    SS_DISABLE,
    SS_ONSTACK,
)
from syscalltbl.machine.uapi.structs import SIGSET, STACK


def _sigset(t: Task, addr: int, size: int) -> int | None:
    if size != KERNEL_SIGSET_SIZE:
        raise Errno(EINVAL)
    return SIGSET.unpack(copy_from_user(t.mm, addr, 8))[0] if addr else None


@syscall("sys_rt_sigaction")
def sys_rt_sigaction(t: Task, sig: int, act: int, oact: int, sigsetsize: int, *_: int) -> int:
    if sigsetsize != KERNEL_SIGSET_SIZE or not 0 < sig <= NSIG or (act and sig in (SIGKILL, SIGSTOP)):
        raise Errno(EINVAL)
    hand = t.sighand
    old = hand.actions[sig]
    if act:
        hand.actions[sig] = SigAction.unpack(copy_from_user(t.mm, act, 32))
        if hand.ignored(sig):
            signals.forget(t, sig)  # POSIX: a pending signal whose action becomes "ignore" is discarded
    if oact:
        copy_to_user(t.mm, oact, old.pack())
    return 0


@syscall("sys_rt_sigprocmask")
def sys_rt_sigprocmask(t: Task, how: int, nset: int, oset: int, sigsetsize: int, *_: int) -> int:
    new = _sigset(t, nset, sigsetsize)
    old = t.signals.blocked
    if new is not None:
        if how == SIG_BLOCK:
            mask = old | new
        elif how == SIG_UNBLOCK:
            mask = old & ~new
        elif how == SIG_SETMASK:
            mask = new
        else:
            raise Errno(EINVAL)
        signals.set_blocked(t, mask)
    if oset:
        copy_to_user(t.mm, oset, SIGSET.pack(old))
    return 0


@syscall("sys_rt_sigpending")
def sys_rt_sigpending(t: Task, uset: int, sigsetsize: int, *_: int) -> int:
    if sigsetsize > KERNEL_SIGSET_SIZE:
        raise Errno(EINVAL)
    pending = signals.pending(t) & t.signals.blocked
    copy_to_user(t.mm, uset, SIGSET.pack(pending)[:sigsetsize])
    return 0


@syscall("sys_rt_sigsuspend")
def sys_rt_sigsuspend(t: Task, unewset: int, sigsetsize: int, *_: int) -> int:
    mask = _sigset(t, unewset, sigsetsize)
    if mask is None:
        raise Errno(EFAULT)  # NULL, as copy_from_user finds it
    s = t.signals
    s.saved_mask = s.blocked  # the handler's frame restores it (set_restore_sigmask)
    signals.set_blocked(t, mask)
    signals.discard_ignored(t)
    if t.sigpending:
        raise Errno(EINTR)
    raise Sleep(lambda: False, restartable=False)  # only a signal ends it


@syscall("sys_pause")
def sys_pause(t: Task, *_: int) -> int:
    signals.discard_ignored(t)
    if t.sigpending:
        raise Errno(EINTR)
    raise Sleep(lambda: False, restartable=False)


@syscall("sys_rt_sigreturn")
def sys_rt_sigreturn(t: Task, *_: int) -> int:
    return signals.sigreturn(t)


@syscall("sys_sigaltstack")
def sys_sigaltstack(t: Task, uss: int, uoss: int, *_: int) -> int:
    s = t.signals
    ss_sp, ss_flags, ss_size = s.altstack
    state = signals.altstack_flags(t, t.pt_regs()["sp"])
    old = STACK.pack(ss_sp, state | (ss_flags & SS_AUTODISARM), 0, ss_size)
    if uss:
        new_sp, flags, _pad, size = STACK.unpack(copy_from_user(t.mm, uss, STACK.size))
        if state == SS_ONSTACK:
            raise Errno(EPERM)
        mode = flags & ~SS_AUTODISARM
        if mode not in (0, SS_ONSTACK, SS_DISABLE):
            raise Errno(EINVAL)
        if mode == SS_DISABLE:
            new_sp, size = 0, 0
        elif size < MINSIGSTKSZ:
            raise Errno(ENOMEM)
        s.altstack = (new_sp, flags, size)  # as given, as do_sigaltstack keeps sas_ss_flags
    if uoss:
        copy_to_user(t.mm, uoss, old)
    return 0


def _targets(t: Task, pid: int) -> list[Task]:
    """The processes kill() addresses, one task each: any thread id names its process.

    Zombies count (kill(zombie, 0) is 0, as on Linux); send() drops what they are sent.
    """
    if pid > 0:
        found = find_task_vpid(t, pid)
        return [found] if found is not None else []
    leaders = [x for x in t.machine.tasks.values() if x.is_leader]
    if pid == 0:
        return [x for x in leaders if x.pgid == t.pgid]
    if pid == -1:
        # Those of the caller's pid namespace: neither its init nor the caller.
        return [x for x in leaders if pid_vnr(t, x.pid) > 1 and x.group is not t.group]
    pgid = find_vpid(t, -pid)
    return [x for x in leaders if pgid and x.pgid == pgid]


def _may_signal(t: Task, target: Task, sig: int) -> bool:
    """check_kill_permission: a thread of one's own process, kill_ok_by_cred, or SIGCONT within the session;
    then Landlock's hook_task_kill: a process outside the sender's signal scope is out of reach."""
    if target.group is t.group:
        return True
    if landlock.signal_denied(t.cred.landlock, target.cred.landlock):
        return False
    return kill_ok(t.cred, target.cred) or (sig == SIGCONT and target.sid == t.sid)


def _send(t: Task, targets: list[Task], sig: int, code: int, *, thread: bool = False, everyone: bool = False) -> int:
    """Send to those of `targets` the caller may signal: EPERM when that is none of them, except for
    kill(-1, ...) (`everyone`), which passes over them quietly."""
    if not 0 <= sig <= NSIG:
        raise Errno(EINVAL)
    if not targets:
        raise Errno(ESRCH)
    allowed = [x for x in targets if _may_signal(t, x, sig)]
    if not allowed and not everyone:
        raise Errno(EPERM)
    targets = allowed
    if sig:
        send = signals.send_thread if thread else signals.send
        # The caller last: a fatal signal to itself must not stop it sending the rest.
        for target in sorted(targets, key=lambda x: x.group is t.group):
            if not send(target, sig, signals.siginfo(sig, code, tgid_vnr(t), t.cred.uid), may_fail=True):
                raise Errno(EAGAIN)  # a real-time signal past the target's RLIMIT_SIGPENDING (tkill, tgkill)
    return 0


@syscall("sys_kill")
def sys_kill(t: Task, pid: int, sig: int, *_: int) -> int:
    if pid == -(1 << 31):
        raise Errno(ESRCH)  # -INT_MIN is no process group
    return _send(t, _targets(t, pid), sig, SI_USER, everyone=pid == -1)


def _thread(t: Task, tid: int) -> list[Task]:
    found = find_task_vpid(t, tid)
    return [found] if found is not None else []


@syscall("sys_tkill")
def sys_tkill(t: Task, tid: int, sig: int, *_: int) -> int:
    tid = s32(tid)
    if tid <= 0:
        raise Errno(EINVAL)
    return _send(t, _thread(t, tid), sig, SI_TKILL, thread=True)


@syscall("sys_tgkill")
def sys_tgkill(t: Task, tgid: int, tid: int, sig: int, *_: int) -> int:
    tgid, tid = s32(tgid), s32(tid)
    if tgid <= 0 or tid <= 0:
        raise Errno(EINVAL)
    return _send(t, [x for x in _thread(t, tid) if pid_vnr(t, x.pid) == tgid], sig, SI_TKILL, thread=True)
