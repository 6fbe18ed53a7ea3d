"""ptrace's link between a tracer and its tracees, and the stops a tracee makes for it.

After kernel/ptrace.c (attach, detach, resume, exit_ptrace), include/linux/ptrace.h
(ptrace_event, ptrace_init_task) and kernel/entry/syscall-common.c (the
syscall-entry and syscall-exit stops). The stops themselves are
kernel/signals.py's ptrace_stop: the tracee is `stopped` (TASK_TRACED) with
an `exit_code` its tracer's wait reports; signals.get_signal makes the
signal-delivery-stops, signals.do_signal_stop a traced thread's group-stop.

The system-call stops hang on `Task.syscall_work`, which the trap
(kernel/trap.py) tests once per call: an untraced task pays nothing more.
A call the tracee makes stops at its entry before its body runs (the
task parks on the trap and runs it again, from pt_regs the tracer may
have changed, once resumed) and at its exit with the result in regs->ax.
A call the machine does not implement (-ENOSYS in the generated entry)
never reaches the trap, so it makes no stops.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Final

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.kernel import signals
from syscalltbl.machine.uapi.ptrace import (
    PT_PTRACED,
    PT_SEIZED,
    PTRACE_EVENT_CLONE,
    PTRACE_EVENT_EXEC,
    PTRACE_EVENT_EXIT,
    PTRACE_EVENT_FORK,
    PTRACE_EVENT_STOP,
    PTRACE_EVENT_VFORK,
    PTRACE_O_EXITKILL,
    PTRACE_O_TRACECLONE,
    PTRACE_O_TRACEEXEC,
    PTRACE_O_TRACEEXIT,
    PTRACE_O_TRACEFORK,
    PTRACE_O_TRACESYSGOOD,
    PTRACE_O_TRACEVFORK,
)
from syscalltbl.machine.uapi.sched import CLONE_PTRACE, CLONE_UNTRACED, CLONE_VFORK
from syscalltbl.machine.uapi.signal import (
    CLD_STOPPED,
    CLD_TRAPPED,
    SI_KERNEL,
    SI_USER,
    SIGCHLD,
    SIGKILL,
    SIGSTOP,
    SIGTRAP,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

#: Task.syscall_work: the tracer asked for the system-call stops (PTRACE_SYSCALL). Linux's bit
#: (SYSCALL_WORK_BIT_SYSCALL_TRACE): bit 0 is seccomp's (kernel/syscall_work.py), which shares the word.
SYSCALL_WORK_TRACE: Final = 1 << 2
#: ... an event (exec, fork) waits to be reported at the end of the call (the machine's own bit, past Linux's).
SYSCALL_WORK_EVENT: Final = 1 << 8
#: The bits the Python trap acts on; seccomp's are the generated entry's, done before the trap is reached.
SYSCALL_WORK_PTRACE: Final = SYSCALL_WORK_TRACE | SYSCALL_WORK_EVENT
#: Task.syscall_stop: where a traced call is.
SYSCALL_IDLE, SYSCALL_ENTERED, SYSCALL_RUNNING = 0, 1, 2
TF: Final = abi.X86_EFLAGS["X86_EFLAGS_TF"]
_TRAP_INFO = struct.Struct("<iii4xiI")


def trap_info(t: Task, code: int) -> bytes:
    """ptrace_do_notify's siginfo: SIGTRAP, the stop's code as si_code, the tracee's own pid and uid."""
    return _TRAP_INFO.pack(SIGTRAP, 0, code, t.tid, t.cred.uid & 0xFFFFFFFF).ljust(signals.SIGINFO_SIZE, b"\0")


def link(child: Task, tracer: Task, flags: int, options: int) -> None:
    """__ptrace_link: `tracer` traces `child` from now on."""
    child.ptrace = flags
    child.ptrace_options = options
    child.tracer = tracer
    tracer.ptraced.append(child)


def unlink(child: Task) -> None:
    """__ptrace_unlink: the tracee goes on by itself; inside a group stop it stays stopped (TASK_STOPPED)."""
    tracer = child.tracer
    if tracer is not None and child in tracer.ptraced:
        tracer.ptraced.remove(child)
    child.ptrace = child.ptrace_options = child.ptrace_passed = 0
    child.tracer = None
    child.syscall_work &= ~(SYSCALL_WORK_TRACE | SYSCALL_WORK_EVENT)
    child.ptrace_event = None
    child.last_siginfo = None
    if child.stopped and child.traced_stop:
        child.traced_stop = False
        child.exit_code = 0
        child.stopped = child.group.stopped and child.status is None
    set_stepping(child, step=False)


def attach(child: Task, tracer: Task, *, seize: bool, options: int) -> None:
    """ptrace_attach: trace `child`; PTRACE_ATTACH also sends it SIGSTOP. A task already in a group stop
    moves to a ptrace stop at once (JOBCTL_TRAP_STOP), which its new tracer's wait reports."""
    link(child, tracer, PT_PTRACED | (PT_SEIZED if seize else 0), options)
    if not seize:
        signals.send_thread(child, SIGSTOP, signals.siginfo(SIGSTOP, SI_KERNEL))
    if child.stopped and not child.traced_stop and child.group.stopped:
        signr = child.group.stop_signal or SIGSTOP
        code = signr | PTRACE_EVENT_STOP << 8 if seize else signr  # PTRACE_SEIZE's group-stop is an event
        signals.ptrace_stop(child, code, CLD_STOPPED, None, signals.GROUP_STOP)


def resume(child: Task, data: int, *, syscall: bool, step: bool) -> None:
    """ptrace_resume: the tracee goes on from its stop; `data` is the signal it takes (0: none).

    From a signal-delivery-stop the signal is delivered (another than the one
    reported gets a siginfo naming the tracer, as from kill); from a
    system-call or event stop it is sent as a new signal; a group stop
    ignores it.
    """
    child.syscall_work = (child.syscall_work | SYSCALL_WORK_TRACE) if syscall else (
        child.syscall_work & ~SYSCALL_WORK_TRACE)
    set_stepping(child, step=step)
    kind, info = child.ptrace_stop_kind, child.last_siginfo
    child.exit_code, child.last_siginfo, child.ptrace_stop_kind = 0, None, 0
    child.stopped = child.traced_stop = False
    if data and kind == signals.SIGNAL_STOP:
        if info is None or struct.unpack_from("<i", info)[0] != data:
            tracer = child.tracer
            pid, uid = (tracer.pid, tracer.cred.uid) if tracer is not None else (0, 0)
            info = signals.siginfo(data, SI_USER, pid, uid)
        signals.requeue(child, data, info)
    elif data and kind == signals.EVENT_STOP:
        signals.send_thread(child, data, signals.siginfo(data, SI_KERNEL))
    if kind == signals.EVENT_STOP and child.syscall_stop == SYSCALL_RUNNING and syscall and not child.exit_reported:
        syscall_exit_stop(child)  # the event came in a call, whose exit the tracer asked to see next


def set_stepping(t: Task, *, step: bool) -> None:
    """user_enable_single_step: TF in the saved flags, so one instruction runs before a SIGTRAP."""
    if t.status is not None:
        return
    regs = t.pt_regs()
    old = regs["flags"]
    flags = (old | TF) if step else (old & ~TF)
    if flags != old:
        if regs["r11"] == old:
            regs["r11"] = flags  # so sysretq, which loads rflags from r11, still may return
        regs["flags"] = flags
        t.set_pt_regs(regs)


def keeps_zombie(t: Task) -> bool:
    """Does the tracer hold on to `t`, a process's last thread, past its end? When it is not the parent it
    reports the end first (wait), and only then does the parent hear of it."""
    tracer, parent = t.tracer, t.parent
    return (tracer is not None and t.is_leader and t.group.threads == [t]
            and (parent is None or parent.group is not tracer.group))


def exit_ptrace(tracer: Task) -> None:
    """The tracer thread exits: each tracee is detached, or killed when it asked PTRACE_O_EXITKILL."""
    for child in list(tracer.ptraced):
        kill = bool(child.ptrace_options & PTRACE_O_EXITKILL)
        unlink(child)
        if kill:
            signals.send_thread(child, SIGKILL)


def forked(parent: Task, child: Task, flags: int, exit_signal: int) -> None:
    """A traced task forked (ptrace_init_task and the fork events): with the option for that kind of fork
    (or CLONE_PTRACE) the child is traced too, starting with SIGSTOP pending, and the parent reports it at
    the end of the call."""
    if not parent.ptrace or parent.tracer is None or flags & CLONE_UNTRACED:
        return
    if flags & CLONE_VFORK:
        event, option = PTRACE_EVENT_VFORK, PTRACE_O_TRACEVFORK
    elif exit_signal != SIGCHLD:
        event, option = PTRACE_EVENT_CLONE, PTRACE_O_TRACECLONE
    else:
        event, option = PTRACE_EVENT_FORK, PTRACE_O_TRACEFORK
    if not parent.ptrace_options & option and not flags & CLONE_PTRACE:
        return
    link(child, parent.tracer, parent.ptrace, parent.ptrace_options)
    signals.send_thread(child, SIGSTOP, signals.siginfo(SIGSTOP, SI_KERNEL))
    if parent.ptrace_options & option:
        report_event(parent, event, child.tid)


def exec_done(t: Task, old_tid: int) -> None:
    """A traced task's execve succeeded: PTRACE_EVENT_EXEC with that option, else a SIGTRAP (unless seized)."""
    if not t.ptrace:
        return
    if t.ptrace_options & PTRACE_O_TRACEEXEC:
        report_event(t, PTRACE_EVENT_EXEC, old_tid)
    elif not t.ptrace & PT_SEIZED:
        signals.send_thread(t, SIGTRAP, signals.siginfo(SIGTRAP, SI_USER))


def exit_event(t: Task, code: int) -> bool:
    """PTRACE_O_TRACEEXIT for exit and exit_group: the task stops before it goes, its wait status in the event
    message. True: it stopped, and the call runs again (to its end, without a second stop) once resumed."""
    if not t.ptrace or not t.ptrace_options & PTRACE_O_TRACEEXIT or t.exit_reported:
        return False
    t.exit_reported = True
    t.ptrace_message = (code & 0xFF) << 8
    exit_code = SIGTRAP | PTRACE_EVENT_EXIT << 8
    signals.ptrace_stop(t, exit_code, CLD_TRAPPED, trap_info(t, exit_code), signals.EVENT_STOP)
    return True


def report_event(t: Task, event: int, message: int) -> None:
    """ptrace_event: stop with SIGTRAP | event << 8 on the way out of the current call."""
    t.ptrace_event = (event, message)
    t.syscall_work |= SYSCALL_WORK_EVENT


# -- the system-call path (kernel/trap.py) --


def syscall_enter(t: Task) -> bool:
    """At a call's entry: False when the task stopped for its tracer (it runs the trap again once resumed);
    True when the call goes on. A call that slept and runs again does not stop a second time."""
    if t.syscall_stop != SYSCALL_IDLE or not t.syscall_work & SYSCALL_WORK_TRACE:
        t.syscall_stop = SYSCALL_RUNNING
        return True
    t.syscall_stop = SYSCALL_ENTERED
    _syscall_stop(t)
    return False


def skipped(orig_ax: int, table_size: int, *, ia32: bool) -> bool:
    """The tracer replaced the call's number with one that names no call (-1 in Linux's idiom): the body
    does not run, and regs->ax (-ENOSYS unless the tracer set it) is the result. The 64-bit entry takes
    the number as an unsigned int, int $0x80's the whole register."""
    return (orig_ax if ia32 else orig_ax & 0xFFFFFFFF) >= table_size


def syscall_exit(t: Task) -> bool:
    """At a call's exit, its result in regs->ax: an event it made is reported first, then the exit stop
    when the tracer asked for it. True when the task stopped."""
    t.syscall_stop, running = SYSCALL_IDLE, t.syscall_stop
    pending = t.ptrace_event
    if pending is not None:
        t.ptrace_event = None
        t.syscall_work &= ~SYSCALL_WORK_EVENT
        event, message = pending
        t.ptrace_message = message
        code = SIGTRAP | event << 8
        t.syscall_stop = SYSCALL_RUNNING if running else SYSCALL_IDLE  # so the tracer's PTRACE_SYSCALL sees the exit
        signals.ptrace_stop(t, code, CLD_TRAPPED, trap_info(t, code), signals.EVENT_STOP)
        return True
    if t.syscall_work & SYSCALL_WORK_TRACE and t.ptrace:
        _syscall_stop(t)
        return True
    return False


def syscall_exit_stop(t: Task) -> None:
    """The exit stop of a call whose event stop the tracer resumed with PTRACE_SYSCALL."""
    t.syscall_stop = SYSCALL_IDLE
    _syscall_stop(t)


def _syscall_stop(t: Task) -> None:
    code = SIGTRAP | (0x80 if t.ptrace_options & PTRACE_O_TRACESYSGOOD else 0)
    signals.ptrace_stop(t, code, CLD_TRAPPED, trap_info(t, code), signals.EVENT_STOP)
