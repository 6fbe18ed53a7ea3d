"""POSIX signals: actions, masks, sending, and delivery on the way back to user mode.

After kernel/signal.c and arch/x86/kernel/signal{,_64}.c. A signal is sent
to a task (kill, a child's exit, a write to a pipe nobody reads) and becomes
pending; a task learns of it when it next returns to user mode from a system
call implemented in Python, the only kind of call that can make one pending.
A task asleep in such a call is woken for it and the call ends with EINTR,
or is restarted after the handler when the handler asked for SA_RESTART.

Delivery takes the default action (terminate, or nothing) or builds the
x86-64 rt_sigframe on the user stack and points pt_regs at the handler, so
the ordinary return path (sysretq) enters it. The handler returns into its
sa_restorer, which calls rt_sigreturn; that reads the frame back, and when
rcx and r11 then differ from rip and rflags the exit path uses iretq.

Signals sent to a process (kill, a child's exit, the terminal's) pend in
its thread group's shared set and are taken by one thread that does not
block them, woken for it (complete_signal); those sent to a thread (tgkill,
tkill) pend in its own set. Either way a fatal one ends the whole process.

Job control (do_signal_stop, prepare_signal): a stop signal whose action
is the default stops every thread of the process when one of them takes it
(`stopped`: the scheduler passes such a task over), and tells the parent
(SIGCHLD with CLD_STOPPED, unless it asked SA_NOCLDSTOP); SIGCONT, even
blocked or ignored, resumes them and tells the parent CLD_CONTINUED. Either
discards the other's pending instances when sent. A traced task stops for
its tracer instead (kernel/ptrace.py): each signal it is about to take is
first reported (signal-delivery-stop), and the tracer says which goes on.
Real-time signals queue, each instance with
its siginfo, within the target's RLIMIT_SIGPENDING (kernel/signal.c's
sigqueue_alloc); a standard one sent while it is pending merges with it.
"""

from __future__ import annotations

import struct
from collections import deque
from typing import TYPE_CHECKING, Final

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw.fpu import INITIAL
from syscalltbl.machine.kernel import cputime
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.uapi.errno import EFAULT, EINTR, Errno
from syscalltbl.machine.uapi.mqueue import SI_MESGQ
from syscalltbl.machine.uapi.resource import RLIMIT_SIGPENDING
from syscalltbl.machine.uapi.signal import (
    CLD_CONTINUED,
    CLD_STOPPED,
    CLD_TRAPPED,
    MINSIGSTKSZ,
    NSIG,
    SA_NOCLDSTOP,
    SA_NODEFER,
    SA_ONSTACK,
    SA_RESETHAND,
    SA_RESTART,
    SA_RESTORER,
    SI_ASYNCIO,
    SI_KERNEL,
    SI_QUEUE,
    SI_TKILL,
    SI_USER,
    SIG_DFL,
    SIG_IGN,
    SIGCHLD,
    SIGCONT,
    SIGHUP,
    SIGKILL,
    SIGRTMIN,
    SIGSEGV,
    SIGSTOP,
    SIGTSTP,
    SIGTTIN,
    SIGTTOU,
    SIGURG,
    SIGWINCH,
    SS_AUTODISARM,
    SS_DISABLE,
    SS_ONSTACK,
)
from syscalltbl.machine.uapi.structs import KERNEL_SIGACTION, SIGCONTEXT, STACK
from syscalltbl.machine.uapi.timers import SI_TIMER
from syscalltbl.store.record import Frozen

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task, ThreadGroup
    from syscalltbl.machine.kernel.wait import Sleep
    from syscalltbl.machine.machine import Machine


#: Default action "ignore" (SIG_KERNEL_IGNORE_MASK).
DEFAULT_IGNORE: Final = frozenset({SIGCHLD, SIGCONT, SIGURG, SIGWINCH})
#: Default action "stop" (SIG_KERNEL_STOP_MASK).
STOP_SIGNALS: Final = frozenset({SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU})
KERNEL_SIGSET_SIZE: Final = 8

# The registers of struct sigcontext (uapi/structs.py's SIGCONTEXT), in its order.
_SC_REGS: Final = ("r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
                   "di", "si", "bp", "bx", "dx", "ax", "cx", "sp", "ip", "flags")  # fmt: skip
UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS = 0x2, 0x4
# struct rt_sigframe { pretcode; struct ucontext uc; struct siginfo info; }
UC_OFFSET: Final = 8
MCONTEXT_OFFSET: Final = UC_OFFSET + 40  # uc_flags, uc_link, uc_stack
SIGMASK_OFFSET: Final = MCONTEXT_OFFSET + SIGCONTEXT.size
INFO_OFFSET: Final = SIGMASK_OFFSET + 8
SIGINFO_SIZE: Final = 128
FRAME_SIZE: Final = INFO_OFFSET + SIGINFO_SIZE
FXSAVE_SIZE: Final = 512
RED_ZONE: Final = 128
# arch/x86/kernel/signal.c FIX_EFLAGS: what rt_sigreturn may take from the frame.
_F = abi.X86_EFLAGS
FIX_EFLAGS: Final = sum(_F[f"X86_EFLAGS_{n}"] for n in ("AC", "OF", "DF", "TF", "SF", "ZF", "AF", "PF", "CF", "RF"))
# ... and what a handler starts without.
HANDLER_CLEARS: Final = _F["X86_EFLAGS_DF"] | _F["X86_EFLAGS_RF"] | _F["X86_EFLAGS_TF"]
SYSCALL_INSN_LEN: Final = 2  # `syscall` and `int $0x80` alike
TICK_NS: Final = 10_000_000  # one USER_HZ clock tick, as SIGCHLD's si_utime and si_stime count


def bit(sig: int) -> int:
    return 1 << (sig - 1)


UNBLOCKABLE: Final = bit(SIGKILL) | bit(SIGSTOP)
STOP_MASK: Final = sum(bit(sig) for sig in STOP_SIGNALS)
ALL: Final = (1 << NSIG) - 1


class SigAction(Frozen):
    handler: int
    flags: int
    restorer: int
    mask: int

    __slots__ = _fields = ("handler", "flags", "restorer", "mask")

    def __init__(self, handler: int = SIG_DFL, flags: int = 0, restorer: int = 0, mask: int = 0) -> None:
        object.__setattr__(self, "handler", handler)
        object.__setattr__(self, "flags", flags)
        object.__setattr__(self, "restorer", restorer)
        object.__setattr__(self, "mask", mask)

    def pack(self) -> bytes:
        return KERNEL_SIGACTION.pack(self.handler, self.flags, self.restorer, self.mask)

    @classmethod
    def unpack(cls, data: bytes) -> SigAction:
        handler, flags, restorer, mask = KERNEL_SIGACTION.unpack(data)
        return cls(handler, flags, restorer, mask & ~UNBLOCKABLE)


DEFAULT: Final = SigAction()


class SigHand:
    """The signal actions (struct sighand_struct): a process's, which clone(CLONE_SIGHAND) shares."""

    __slots__ = ("actions",)

    def __init__(self, actions: list[SigAction] | None = None) -> None:
        self.actions: list[SigAction] = actions if actions is not None else [DEFAULT] * (NSIG + 1)

    def copy(self) -> SigHand:
        return SigHand(list(self.actions))

    def exec(self) -> None:
        """Handlers are gone with the old program; ignored signals stay ignored."""
        self.actions = [a if a.handler == SIG_IGN else DEFAULT for a in self.actions]

    def ignored(self, sig: int) -> bool:
        handler = self.actions[sig].handler
        return handler == SIG_IGN or (handler == SIG_DFL and sig in DEFAULT_IGNORE)


class SharedPending:
    """The signals sent to a process as a whole (signal_struct's shared_pending), with each one's siginfo."""

    __slots__ = ("extra", "info", "pending")

    def __init__(self) -> None:
        self.pending = 0
        self.info: dict[int, bytes] = {}
        self.extra: dict[int, deque[bytes]] = {}  # a real-time signal's further queued instances, oldest first


class Signals:
    """One task's own signal state: blocked mask, pending set with each one's siginfo, alternate stack."""

    __slots__ = ("altstack", "blocked", "extra", "info", "pending", "saved_mask")

    def __init__(self) -> None:
        self.blocked = 0
        self.pending = 0
        self.info: dict[int, bytes] = {}
        self.extra: dict[int, deque[bytes]] = {}  # a real-time signal's further queued instances, oldest first
        self.altstack = (0, SS_DISABLE, 0)  # ss_sp, ss_flags, ss_size
        self.saved_mask: int | None = None  # rt_sigsuspend's: the frame restores this one

    def forked(self, *, keep_altstack: bool = True) -> Signals:
        """The child's: same mask, nothing pending; the alternate stack too unless the child shares
        the memory but not the caller's suspension (copy_process's sas_ss_reset for CLONE_VM)."""
        child = Signals()
        child.blocked = self.blocked
        if keep_altstack:
            child.altstack = self.altstack
        return child

    def exec(self) -> None:
        self.altstack = (0, SS_DISABLE, 0)


def altstack_flags(t: Task, sp: int) -> int:
    """sas_ss_flags: SS_ONSTACK while `sp` is on the alternate stack, SS_DISABLE without one, else 0.

    With SS_AUTODISARM a handler is never "on" it (on_sig_stack): the stack is
    disarmed while it runs, and the next signal may take it afresh.
    """
    ss_sp, flags, ss_size = t.signals.altstack
    if not ss_size:
        return SS_DISABLE
    if flags & SS_AUTODISARM:
        return 0
    return SS_ONSTACK if ss_sp < sp <= ss_sp + ss_size else 0


def recalc(t: Task) -> None:
    """task.sigpending: what the return path tests, one integer (recalc_sigpending)."""
    s = t.signals
    t.sigpending = (s.pending | t.group.shared.pending) & ~s.blocked


def pending(t: Task) -> int:
    """The thread's own pending signals and its process's."""
    return t.signals.pending | t.group.shared.pending


def forget(t: Task, sig: int) -> None:
    """`sig` is no longer pending anywhere in the process (its action became "ignore")."""
    shared = t.group.shared
    shared.pending &= ~bit(sig)
    shared.info.pop(sig, None)
    shared.extra.pop(sig, None)
    for thread in t.group.threads:
        thread.signals.pending &= ~bit(sig)
        thread.signals.info.pop(sig, None)
        thread.signals.extra.pop(sig, None)
        recalc(thread)


def set_blocked(t: Task, mask: int) -> None:
    t.signals.blocked = mask & ALL & ~UNBLOCKABLE
    recalc(t)
    if t.sigpending and not t.stopped:
        _fatal_now(t)


def fault_info(sig: int, code: int, addr: int) -> bytes:
    """struct siginfo of a fault: si_addr where kill's si_pid would be."""
    return struct.pack("<iii4xQ", sig, 0, code, addr).ljust(SIGINFO_SIZE, b"\0")


def siginfo(
    sig: int, code: int, pid: int = 0, uid: int = 0, status: int | None = None, times: tuple[int, int] = (0, 0)
) -> bytes:
    """struct siginfo for kill (pid, uid), the kernel (code only) and SIGCHLD (pid, uid, status, and the
    child's user and system time in clock ticks)."""
    head = struct.pack("<iii4xiI", sig, 0, code, pid, uid & 0xFFFFFFFF)  # uid_t is unsigned
    if status is not None:
        head += struct.pack("<i4xqq", status, *times)  # si_status, si_utime, si_stime
    return head.ljust(SIGINFO_SIZE, b"\0")


def _unkillable(t: Task, sig: int, *, forced: bool = False) -> bool:
    """PID 1's rule (SIGNAL_UNKILLABLE, kernel/pid1.py): a signal its pid namespace's init has no handler
    for is not for it, but SIGKILL and SIGSTOP `forced` (sent from an ancestor namespace) are."""
    if forced and sig in (SIGKILL, SIGSTOP):
        return False
    ns = t.pid_ns
    reaper = t.machine.child_reaper if ns.level == 0 else ns.child_reaper
    return t.group is reaper and t.sighand.actions[sig].handler == SIG_DFL


def _from_outside(t: Task) -> bool:
    """The running task's pid is not in the pid namespace of `t` (send_signal_locked's force)."""
    sender = t.machine.current
    return sender is not None and not t.pid_ns.contains(sender.pid_ns)


#: The si_codes of siginfo layouts with a sender's pid and uid (has_si_pid_and_uid: SIL_KILL and SIL_RT).
_CODES_WITH_PID: Final = frozenset({SI_USER, SI_QUEUE, SI_MESGQ, SI_ASYNCIO, SI_TKILL})

def _sender_hidden(t: Task, sig: int, info: bytes | None) -> bytes | None:
    """send_signal_locked: a sender the target's pid namespace has no number for is si_pid 0 there."""
    if info is None or not _from_outside(t):
        return info
    code = int.from_bytes(info[8:12], "little", signed=True)
    if code in _CODES_WITH_PID or (sig == SIGCHLD and code > 0):
        return info[:16] + bytes(4) + info[20:]
    return info


def _queued(t: Task) -> int:
    """The signals queued for the user of `t` (its ucounts' RLIMIT_SIGPENDING count): every pending one."""
    uid, seen, count = t.cred.uid, set(), 0
    for x in t.machine.tasks.values():
        if x.cred.uid != uid:
            continue
        queues: list[Signals | SharedPending] = [x.signals]
        if id(x.group) not in seen:
            seen.add(id(x.group))
            queues.append(x.group.shared)
        count += sum(q.pending.bit_count() + sum(len(more) for more in q.extra.values()) for q in queues)
    return count


def _enqueue(t: Task, queue: Signals | SharedPending, sig: int, info: bytes | None, *, may_fail: bool) -> bool:
    """__send_signal_locked's queueing: a standard signal already pending is not queued again; a real-time
    one queues each instance with its siginfo, as long as the user's queued signals stay within the target's
    RLIMIT_SIGPENDING (and its default, which bounds what a guest can make the host hold). Past it, a
    real-time signal sent with a siginfo of the sender's (sigqueue, tgkill) fails when `may_fail` (EAGAIN),
    else it is still sent, its siginfo lost. A timer's signal is queued once (its preallocated sigqueue)."""
    info = info if info is not None else siginfo(sig, SI_KERNEL)
    code = struct.unpack_from("<i", info, 8)[0]
    if queue.pending & bit(sig) and (sig < SIGRTMIN or code == SI_TIMER):
        return True
    # The default RLIMIT_SIGPENDING is also a ceiling a raised rlimit cannot lift: the queued siginfos are
    # host memory, so a guest (root included) cannot queue without bound.
    ceiling = t.machine.limits.nproc
    limits = t.rlimits
    limit = min(limits[RLIMIT_SIGPENDING][0], ceiling) if limits is not None else ceiling
    if (sig < SIGRTMIN and code >= 0) or _queued(t) + 1 <= limit:
        if queue.pending & bit(sig):
            queue.extra.setdefault(sig, deque()).append(info)
        else:
            queue.pending |= bit(sig)
            queue.info[sig] = info
        return True
    if may_fail and sig >= SIGRTMIN and code != SI_USER:
        return False
    if not queue.pending & bit(sig):
        queue.pending |= bit(sig)
        queue.info[sig] = siginfo(sig, SI_USER)  # collect_signal's zeroed siginfo: the sender's is lost
    return True


def send(t: Task, sig: int, info: bytes | None = None, *, may_fail: bool = False) -> bool:
    """Make `sig` pending for the process of `t` (group_send_sig_info): one thread that does not
    block it takes it, `t` if it can; a fatal one ends the process at once, a handled one wakes it.
    False: a real-time signal's queue is full and `may_fail` (the sender's EAGAIN)."""
    group = t.group
    if group.ended or group.group_exit is not None or not 0 < sig <= NSIG:
        return True
    if _unkillable(t, sig, forced=_from_outside(t)) and (sig == SIGKILL or not t.signals.blocked & bit(sig)):
        return True  # sig_task_ignored: a blocked one waits, and is dropped at delivery if still SIG_DFL
    if sig == SIGKILL:
        t.kill(SIGKILL)
        return True
    _prepare(group, sig)
    if _discarded(t, sig):
        return True
    if not _enqueue(t, group.shared, sig, _sender_hidden(t, sig, info), may_fail=may_fail):
        return False
    taker = _complete_signal(t, sig)
    if taker is not None:
        recalc(taker)
        _fatal_now(taker)
    else:
        for thread in group.threads:
            recalc(thread)  # seen by whichever thread unblocks it, or is resumed from a stop
    return True


def _discarded(t: Task, sig: int) -> bool:
    """sig_ignored: an ignored signal the target does not block is dropped at sending time, unless it is
    traced (its tracer sees every signal)."""
    return t.sighand.ignored(sig) and not t.signals.blocked & bit(sig) and not t.ptrace


def _wants(t: Task, sig: int) -> bool:
    """wants_signal: a live thread not blocking `sig`, not stopped, running or not already woken for another
    one. A stopped thread does not take even a fatal signal now: it waits, pending, for SIGCONT."""
    return (t.status is None and not t.stopped and not t.signals.blocked & bit(sig)
            and (t is t.machine.current or not t.sigpending))


def _complete_signal(t: Task, sig: int) -> Task | None:
    """Which thread takes a signal sent to the process of `t` (complete_signal): `t` if it wants it, else
    the next one that does after the last chosen (curr_target), round the group; None if none does now
    (it waits in the shared set for a thread that unblocks it or returns to user mode)."""
    if _wants(t, sig):
        return t
    threads = t.group.threads
    if not threads:
        return None
    last = t.group.curr_target
    start = threads.index(last) if last in threads else 0
    for x in threads[start:] + threads[:start]:
        if _wants(x, sig):
            t.group.curr_target = x
            return x
    return None


def send_thread(t: Task, sig: int, info: bytes | None = None, *, may_fail: bool = False) -> bool:
    """Make `sig` pending for the thread `t` alone (tgkill, tkill); a fatal one still ends the process.
    False: a real-time signal's queue is full and `may_fail` (the sender's EAGAIN)."""
    if t.status is not None or not 0 < sig <= NSIG:
        return True
    if _unkillable(t, sig, forced=_from_outside(t)) and (sig == SIGKILL or not t.signals.blocked & bit(sig)):
        return True
    if sig == SIGKILL:
        t.kill(SIGKILL)
        return True
    s = t.signals
    _prepare(t.group, sig)
    if _discarded(t, sig):
        return True
    if not _enqueue(t, s, sig, _sender_hidden(t, sig, info), may_fail=may_fail):
        return False
    recalc(t)
    if t.sigpending & bit(sig) and not t.stopped:
        _fatal_now(t)
    return True


def _take(queue: Signals | SharedPending, sig: int) -> bytes:
    """The oldest queued instance of `sig`, leaving it pending while more are queued."""
    info = queue.info.pop(sig, b"")
    more = queue.extra.get(sig)
    if more:
        queue.info[sig] = more.popleft()
        if not more:
            del queue.extra[sig]
    else:
        queue.pending &= ~bit(sig)
    return info


def _fatal_now(t: Task) -> None:
    """complete_signal's shortcut: a deliverable signal whose action is to terminate ends the process now."""
    s, shared = t.signals, t.group.shared
    if t.ptrace:
        return  # its tracer sees the signal first (complete_signal's !p->ptrace)
    for sig in _signals_in(t.sigpending):
        if (t.sighand.actions[sig].handler == SIG_DFL and sig not in DEFAULT_IGNORE and sig not in STOP_SIGNALS
                and not _unkillable(t, sig)):
            t.machine.observe_signal(t, sig, s.info.get(sig) or shared.info.get(sig, b""))
            t.kill(sig)
            return


def _signals_in(mask: int) -> list[int]:
    return [sig for sig in range(1, NSIG + 1) if mask & bit(sig)]


def _dequeue(t: Task) -> tuple[int, bytes] | None:
    """The thread's own signals first, then the process's, lowest number first (dequeue_signal)."""
    s, shared = t.signals, t.group.shared
    while t.sigpending:
        own = s.pending & ~s.blocked
        queue = s if own else shared
        ready = own or shared.pending & ~s.blocked
        sig = (ready & -ready).bit_length()
        info = _take(queue, sig)
        recalc(t)
        if queue is shared:
            for other in t.group.threads:
                if other is not t:
                    recalc(other)  # taken: no other thread is woken for it any more
        timed = t.group.timers.delivered(sig, info)  # a timer's: it is armed again, its overrun filled in
        if timed is None:
            continue  # its timer was deleted or set anew since it fired
        return sig, timed
    return None


def dequeue_mask(t: Task, mask: int) -> tuple[int, bytes] | None:
    """dequeue_signal with the caller's own mask (sigtimedwait, signalfd): a signal in `mask`, blocked or not,
    the thread's own first, lowest number first; None when none is pending."""
    s, shared = t.signals, t.group.shared
    while True:
        own = s.pending & mask
        queue = s if own else shared
        ready = own or shared.pending & mask
        if not ready:
            return None
        sig = (ready & -ready).bit_length()
        info = _take(queue, sig)
        for thread in t.group.threads if queue is shared else [t]:
            recalc(thread)
        timed = t.group.timers.delivered(sig, info)  # a timer's: armed again, its overrun filled in
        if timed is not None:
            return sig, timed


# -- delivery --


def get_signal(t: Task) -> tuple[int, bytes, SigAction] | None:
    """The next signal with a handler to enter (get_signal); on the way, the others' actions are taken:
    a traced task stops for its tracer, an ignored one goes, a stop signal stops the process, a fatal one
    ends it. None when no handler is to run (and then maybe `t.stopped`: it must not go on)."""
    while t.status is None and not t.stopped and (taken := _dequeue(t)) is not None:
        sig, info = taken
        if t.ptrace and not t.ptrace_passed & bit(sig):
            ptrace_stop(t, sig, CLD_TRAPPED, info, SIGNAL_STOP)  # the tracer decides (kernel/ptrace.py)
            return None
        t.ptrace_passed &= ~bit(sig)
        if _unkillable(t, sig) and sig not in (SIGKILL, SIGSTOP):
            continue  # PID 1 drops one that was blocked while it had no handler (these two came from outside)
        action = t.sighand.actions[sig]
        if action.handler == SIG_IGN or (action.handler == SIG_DFL and sig in DEFAULT_IGNORE):
            continue  # blocked while ignored, then unblocked; or let through by a tracer
        if action.handler == SIG_DFL and sig in STOP_SIGNALS:
            # POSIX: the terminal's stop signals do not stop an orphaned process group (no one could resume it).
            if sig == SIGSTOP or not orphaned_pgrp(t.machine, t.pgid):
                do_signal_stop(t, sig)
                return None
            continue
        t.machine.observe_signal(t, sig, info)
        if action.handler == SIG_DFL:
            t.kill(sig)
            return None
        return sig, info, action
    return None


def deliver(t: Task, *, interrupted: bool = False) -> None:
    """On the way back to user mode: every deliverable signal's action (the exit loop's get_signal).

    Each handled signal stacks one frame, so the last one set up runs first,
    as on Linux; the handler's own mask then holds back the ones it blocks.
    `interrupted`: the interrupt line stopped the task in user mode, not a
    system call, so the frames are built from the cpu's registers (as on
    the return from an interrupt), not from pt_regs. When `t.stopped` is
    then set, it must park where it is until it is resumed.
    """
    delivered = False
    while (taken := get_signal(t)) is not None:
        delivered |= _handle(t, *taken, interrupted=interrupted)
    if not delivered and not t.stopped and t.signals.saved_mask is not None:
        set_blocked(t, t.signals.saved_mask)  # sigsuspend ended with no handler to restore it
        t.signals.saved_mask = None


def _handle(t: Task, sig: int, info: bytes, action: SigAction, *, interrupted: bool = False) -> bool:
    """Enter the handler of `sig` (handle_signal); False when its frame could not be written."""
    machine = t.machine
    try:
        if interrupted:
            machine.set_user_registers(_build_frame(t, sig, action, info, machine.user_registers()))
        else:
            _setup_frame(t, sig, action, info)
    except Errno:
        force_sigsegv(t, sig)  # no room for the frame, or no restorer: SIGSEGV is taken next
        return False
    return True


# -- job control and ptrace stops --


def _drop(group: ThreadGroup, mask: int) -> None:
    """The signals of `mask` are pending nowhere in the process any more (flush_sigqueue_mask)."""
    queues: list[Signals | SharedPending] = [group.shared, *(x.signals for x in group.threads)]
    for queue in queues:
        for sig in _signals_in(queue.pending & mask):
            queue.pending &= ~bit(sig)
            queue.info.pop(sig, None)
            queue.extra.pop(sig, None)
    for thread in group.threads:
        recalc(thread)


def _prepare(group: ThreadGroup, sig: int) -> None:
    """prepare_signal's job control, at sending time and whatever the action: a stop signal cancels a pending
    SIGCONT; SIGCONT cancels pending stop signals and resumes a stopped process."""
    if sig in STOP_SIGNALS:
        _drop(group, bit(SIGCONT))
    elif sig == SIGCONT:
        _drop(group, STOP_MASK)
        for thread in group.threads:
            if thread.stopped and not thread.traced_stop:
                thread.stopped = False  # wake_up_state(t, __TASK_STOPPED): a ptrace stop stays
        if group.stopped:
            group.stopped, group.stop_code, group.continued = False, 0, True
            notify_cldstop(group.leader, CLD_CONTINUED, for_tracer=False)


def do_signal_stop(t: Task, sig: int) -> None:
    """A stop signal with the default action: every thread of the process stops (a group stop), and the
    parent is told; a traced thread stops for its tracer instead, which is told."""
    group = t.group
    if group.stopped:
        t.stopped = True  # resumed by its tracer inside a stop: it goes back to it
        return
    group.stopped, group.stop_code, group.stop_signal, group.continued = True, sig, sig, False
    for thread in group.threads:
        if thread.ptrace:
            ptrace_stop(thread, sig, CLD_STOPPED, None, GROUP_STOP)
        else:
            thread.stopped = True
    if not t.ptrace or _reparented(t):
        notify_cldstop(group.leader, CLD_STOPPED, for_tracer=False)


def _reparented(t: Task) -> bool:
    """ptrace_reparented: traced by another process than its parent, which must then hear of a stop too."""
    return t.tracer is not None and (t.parent is None or t.tracer.group is not t.parent.group)


#: What a ptrace stop is (Task.ptrace_stop_kind): what the tracer's resume does with the signal it passes.
SIGNAL_STOP, GROUP_STOP, EVENT_STOP = 1, 2, 3


def ptrace_stop(t: Task, exit_code: int, why: int, info: bytes | None, kind: int) -> None:
    """A traced task stops for its tracer (ptrace_stop: TASK_TRACED), which wait reports with `exit_code`;
    `info` is what PTRACE_GETSIGINFO reads meanwhile."""
    t.stopped = t.traced_stop = True
    t.exit_code = exit_code
    t.last_siginfo = info
    t.ptrace_stop_kind = kind
    notify_cldstop(t, why, for_tracer=True)


def requeue(t: Task, sig: int, info: bytes) -> None:
    """The signal a tracer let through a signal-delivery-stop (possibly another one): pending for the thread
    again, and taken without a second stop unless it is blocked now (ptrace_signal's end)."""
    _enqueue(t, t.signals, sig, info, may_fail=False)
    if not t.signals.blocked & bit(sig):
        t.ptrace_passed |= bit(sig)
    recalc(t)


def notify_cldstop(t: Task, why: int, *, for_tracer: bool) -> None:
    """SIGCHLD for a stop or a continue (do_notify_parent_cldstop): to the tracer about the thread, or to the
    real parent about the process; not when the parent ignores SIGCHLD or asked SA_NOCLDSTOP."""
    parent = t.tracer if for_tracer else t.parent
    if parent is None:
        return
    if why == CLD_CONTINUED:
        status = SIGCONT
    elif why == CLD_STOPPED:
        status = t.group.stop_code & 0x7F
    else:
        status = t.exit_code & 0x7F
    action = parent.sighand.actions[SIGCHLD]
    if action.handler == SIG_IGN or action.flags & SA_NOCLDSTOP:
        return
    usage = cputime.group_usage(t.group)
    ticks = (usage.utime // TICK_NS, usage.stime // TICK_NS)
    send(parent, SIGCHLD, siginfo(SIGCHLD, why, t.tid if for_tracer else t.pid, t.cred.uid, status, ticks))


def orphaned_pgrp(machine: Machine, pgid: int, ignored: ThreadGroup | None = None) -> bool:
    """Is process group `pgid` orphaned, or will it be once `ignored` is gone (will_become_orphaned_pgrp):
    no member has a parent in another group of the same session, which could resume it?"""
    for x in machine.tasks.values():
        if not x.is_leader or x.pgid != pgid or x.group.ended or x.group is ignored:
            continue
        parent = x.parent
        if parent is None or parent.group is machine.child_reaper:
            continue
        if parent.pgid != pgid and parent.sid == x.sid:
            return False
    return True


def kill_orphaned_pgrp(member: Task, father: Task | None) -> None:
    """A process exits (`father` None: `member` is its leader) or leaves `member`, its child, to another
    parent: if that orphans the process group of `member` and the group has stopped processes, each gets
    SIGHUP then SIGCONT (POSIX: nobody is left to resume them)."""
    machine, pgid = member.machine, member.pgid
    parent = father if father is not None else member.parent
    if parent is None or parent.pgid == pgid or parent.sid != member.sid:
        return
    if not orphaned_pgrp(machine, pgid, member.group if father is None else None):
        return
    members = [x for x in machine.tasks.values() if x.is_leader and x.pgid == pgid and not x.group.ended]
    if not any(x.group.stopped for x in members):
        return
    for sig in (SIGHUP, SIGCONT):
        for x in members:
            send(x, sig, siginfo(sig, SI_KERNEL))


def force(t: Task, sig: int, info: bytes) -> None:
    """force_sig_info_to_task: a fault's signal pending for the thread, unblocked, back to its default action
    if it was blocked or ignored (a traced task's: its tracer sees it first, at the next delivery)."""
    s = t.signals
    action = t.sighand.actions[sig]
    blocked = bool(s.blocked & bit(sig))
    if blocked or action.handler == SIG_IGN:
        t.sighand.actions[sig] = SigAction(SIG_DFL, action.flags, action.restorer, action.mask)
        s.blocked &= ~bit(sig)
    _enqueue(t, s, sig, info, may_fail=False)
    recalc(t)


def force_sigsegv(t: Task, sig: int) -> None:
    """`sig`'s frame could not be written (force_sigsegv): SIGSEGV is forced on the thread, to its handler
    unless it was SIGSEGV's own frame that failed or SIGSEGV is blocked or ignored; then to its default
    action, unblocked (force_sig_info_to_task)."""
    s = t.signals
    if sig == SIGSEGV or s.blocked & bit(SIGSEGV) or t.sighand.actions[SIGSEGV].handler == SIG_IGN:
        t.sighand.actions[SIGSEGV] = SigAction()
        s.blocked &= ~bit(SIGSEGV)
    s.pending |= bit(SIGSEGV)
    s.info[SIGSEGV] = siginfo(SIGSEGV, SI_KERNEL)
    recalc(t)


def force_sig_info(t: Task, sig: int, info: bytes) -> None:
    """force_sig_info_to_task with HANDLER_CURRENT: `sig` for the thread `t`, to its handler, unless it is
    blocked or ignored: then to its default action, unblocked."""
    s = t.signals
    if s.blocked & bit(sig) or t.sighand.actions[sig].handler == SIG_IGN:
        t.sighand.actions[sig] = SigAction()
        s.blocked &= ~bit(sig)
    s.pending |= bit(sig)
    s.info[sig] = info
    recalc(t)


def discard_ignored(t: Task) -> None:
    """Drop pending signals that are deliverable now but ignored: they wake nothing (sigsuspend, pause)."""
    for queue in (t.signals, t.group.shared):
        for sig in _signals_in(queue.pending & ~t.signals.blocked):
            if t.sighand.ignored(sig):
                queue.pending &= ~bit(sig)
                queue.info.pop(sig, None)
                queue.extra.pop(sig, None)
    recalc(t)


def interrupt(t: Task, sleep: Sleep, *, ia32: bool = False) -> bool:
    """A signal woke `t` in a sleeping call. The signals without a handler are dealt with first (get_signal:
    a stop, an ignored one); with a handled one the call ends (the -ERESTARTSYS path) or runs again after
    the handler (SA_RESTART), and it is delivered. False: no handler runs, and the call sleeps on, as
    Linux restarts it unseen (or `t` is stopped in it)."""
    taken = get_signal(t)
    if taken is None:
        return False
    sig, info, action = taken
    regs = t.pt_regs()
    if sleep.restartable and (sleep.always_restart or action.flags & SA_RESTART):
        regs["ax"] = regs["orig_ax"]  # run the same call again after the handler
        regs["ip"] -= SYSCALL_INSN_LEN
        if not ia32:
            regs["cx"] -= SYSCALL_INSN_LEN  # syscall's return address; int $0x80's ecx is an argument
    else:
        error = sleep.on_interrupt() if sleep.on_interrupt is not None else None
        regs["ax"] = -(error or EINTR) & ((1 << 64) - 1)
    t.set_pt_regs(regs)
    _handle(t, sig, info, action)
    deliver(t)
    return True


def _setup_frame(t: Task, sig: int, action: SigAction, info: bytes) -> None:
    t.set_pt_regs(_build_frame(t, sig, action, info, t.pt_regs()))


def fault(t: Task, sig: int, info: bytes, trapno: int, err: int, cr2: int) -> bool:
    """A user-mode exception: enter the handler straight from the faulting context (force_sig_fault).

    The registers are the cpu's own, not pt_regs: the task never entered the
    kernel. False when the task must die instead: no handler, the signal
    blocked (force_sig resets both, as Linux does), or no room for the frame.
    """
    action = t.sighand.actions[sig]
    machine = t.machine
    machine.observe_signal(t, sig, info)
    if action.handler in (SIG_DFL, SIG_IGN) or t.signals.blocked & bit(sig):
        return False
    try:
        regs = _build_frame(t, sig, action, info, machine.user_registers(), trapno=trapno, err=err, cr2=cr2)
    except Errno:
        return False
    machine.set_user_registers(regs)
    return True


def _build_frame(
    t: Task,
    sig: int,
    action: SigAction,
    info: bytes,
    regs: dict[str, int],
    *,
    trapno: int = 0,
    err: int = 0,
    cr2: int = 0,
) -> dict[str, int]:
    """Write the rt_sigframe for `regs` on the user stack; the registers that enter the handler."""
    s = t.signals
    if not action.flags & SA_RESTORER or action.handler >= abi.TASK_SIZE_MAX:
        raise Errno(EFAULT)  # x86-64 has no default restorer, and the kernel half is no handler
    ss_sp, ss_flags, ss_size = s.altstack
    sp = regs["sp"] - RED_ZONE
    stack_flags = altstack_flags(t, sp)
    if action.flags & SA_ONSTACK and stack_flags == 0:
        sp = ss_sp + ss_size
    fpstate = (sp - FXSAVE_SIZE) & ~63
    frame = ((fpstate - FRAME_SIZE) & ~15) - 8  # as if `call`ed: (rsp + 8) % 16 == 0 at entry
    old_mask = s.saved_mask if s.saved_mask is not None else s.blocked
    s.saved_mask = None
    context = SIGCONTEXT.pack(
        *(regs[r] for r in _SC_REGS), abi.USER_CS, 0, 0, abi.USER_DS, err, trapno, old_mask, cr2, fpstate
    )
    # save_altstack_ex: the task's own sas_ss_flags, as sigaltstack set them.
    uc = struct.pack("<QQ", UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS, 0) + STACK.pack(ss_sp, ss_flags, 0, ss_size)
    body = struct.pack("<Q", action.restorer) + uc + context + struct.pack("<Q", old_mask) + info
    copy_to_user(t.mm, fpstate, t.machine.fpu_state(t))
    copy_to_user(t.mm, frame, body)
    if ss_flags & SS_AUTODISARM:
        s.altstack = (0, SS_DISABLE, 0)  # sas_ss_reset: the frame's copy comes back with rt_sigreturn
    regs.update(di=sig, si=frame + INFO_OFFSET, dx=frame + UC_OFFSET, ax=0, sp=frame, ip=action.handler)
    regs.update(flags=regs["flags"] & ~HANDLER_CLEARS, cs=abi.USER_CS, ss=abi.USER_DS)
    regs.update(cx=regs["ip"], r11=regs["flags"])  # so the sysretq path can take it
    mask = s.blocked | action.mask | (0 if action.flags & SA_NODEFER else bit(sig))
    if action.flags & SA_RESETHAND:
        # SA_ONESHOT: only the handler goes back to SIG_DFL; the flags and mask stay, as sigaction then shows.
        t.sighand.actions[sig] = SigAction(SIG_DFL, action.flags, action.restorer, action.mask)
    set_blocked(t, mask)
    t.machine.set_fpu_state(t, INITIAL)  # fpu__clear_user_states: the handler starts from a clean FPU
    return regs


def sigreturn(t: Task) -> int:
    """rt_sigreturn: the registers and mask of the frame the handler returned through."""
    regs = t.pt_regs()
    frame = regs["sp"] - 8  # the handler's `ret` popped pretcode
    try:
        saved = copy_from_user(t.mm, frame + UC_OFFSET, MCONTEXT_OFFSET - UC_OFFSET + SIGCONTEXT.size + 8)
        _ss_sp, _ss_flags, _pad, _ss_size = uc_stack = STACK.unpack_from(saved, 16)
        values = SIGCONTEXT.unpack_from(saved, MCONTEXT_OFFSET - UC_OFFSET)
        (mask,) = struct.unpack_from("<Q", saved, MCONTEXT_OFFSET - UC_OFFSET + SIGCONTEXT.size)
        fpstate = values[-1]
        fpu = copy_from_user(t.mm, fpstate, FXSAVE_SIZE) if fpstate else INITIAL  # NULL: a clean FPU
    except Errno:
        t.kill(SIGSEGV)
        return 0
    restored: dict[str, int] = dict(zip(_SC_REGS, values[:18], strict=True))
    if restored["ip"] >= abi.TASK_SIZE_MAX:
        t.kill(SIGSEGV)  # iretq would fault on it in the kernel; Linux answers with SIGSEGV
        return 0
    restored["flags"] = (regs["flags"] & ~FIX_EFLAGS) | (restored["flags"] & FIX_EFLAGS)
    regs.update(restored, orig_ax=(1 << 64) - 1, cs=abi.USER_CS, ss=abi.USER_DS)
    t.set_pt_regs(regs)
    t.machine.set_fpu_state(t, fpu)
    _restore_altstack(t, uc_stack, regs["sp"])
    set_blocked(t, mask)
    return restored["ax"]


def _restore_altstack(t: Task, uc_stack: tuple[int, int, int, int], sp: int) -> None:
    """restore_altstack: the frame's stack_t, as sigaltstack would take it; its refusals are ignored."""
    ss_sp, ss_flags, _pad, ss_size = uc_stack
    if altstack_flags(t, sp) == SS_ONSTACK:
        return  # EPERM: not while running on it
    mode = ss_flags & ~SS_AUTODISARM
    if mode == SS_DISABLE:
        t.signals.altstack = (0, ss_flags, 0)
    elif mode in (0, SS_ONSTACK) and ss_size >= MINSIGSTKSZ:
        t.signals.altstack = (ss_sp, ss_flags, ss_size)
