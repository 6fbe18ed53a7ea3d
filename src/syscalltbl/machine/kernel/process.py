"""Tasks: identity, memory, open files, and how they end."""

from __future__ import annotations

import struct
import time
from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw.cpu import Cpu
from syscalltbl.machine.hw.fpu import INITIAL
from syscalltbl.machine.kernel.cputime import GroupTimes, TaskTimes
from syscalltbl.machine.kernel.cred import Creds
from syscalltbl.machine.kernel.ktimers import ProcessTimers
from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.signals import SharedPending, SigHand, Signals
from syscalltbl.machine.kernel.vfs import Directory, FdTable, Regular
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.resource import RLIMIT_CORE, RLIMIT_NOFILE
from syscalltbl.machine.uapi.schedpolicy import SCHED_NORMAL
from syscalltbl.machine.uapi.signal import (
    SIGABRT,
    SIGBUS,
    SIGCHLD,
    SIGFPE,
    SIGILL,
    SIGQUIT,
    SIGSEGV,
    SIGSYS,
    SIGTRAP,
    SIGXCPU,
    SIGXFSZ,
    signal_name,
)
from syscalltbl.store.record import Frozen, Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.hwbreak import Breakpoint
    from syscalltbl.machine.kernel.mount import MountNamespace
    from syscalltbl.machine.kernel.pidns import PidNamespace
    from syscalltbl.machine.kernel.seccomp import Filter
    from syscalltbl.machine.machine import Machine


class FsStruct(Value):
    """Where a task's paths start and what its new files may not be (struct fs_struct); CLONE_FS shares it."""

    cwd: Directory
    umask: int
    root: Directory | None  # chroot's; None: the mount namespace's root
    #: The mounts the task sees (nsproxy's mnt_ns, kept here as CLONE_NEWNS unshares fs_struct with it);
    #: None: the machine's first namespace.
    mnt_ns: MountNamespace | None

    __slots__ = _fields = ("cwd", "umask", "root", "mnt_ns")

    def __init__(
        self,
        cwd: Directory,
        umask: int = 0o022,
        root: Directory | None = None,
        mnt_ns: MountNamespace | None = None,
    ) -> None:
        self.cwd = cwd
        self.umask = umask
        self.root = root
        self.mnt_ns = mnt_ns

    def copy(self) -> FsStruct:
        return FsStruct(self.cwd, self.umask, self.root, self.mnt_ns)

def signame(sig: int) -> str:
    """How an exit by signal is described: SIGSEGV, SIGRTMIN+3, or `signal N`."""
    return signal_name(sig) or f"signal {sig}"


#: The signals whose default action dumps core (SIG_KERNEL_COREDUMP_MASK): kernel/coredump.py writes it.
CORE_SIGNALS = frozenset({SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS})
USER_RFLAGS = abi.X86_EFLAGS["X86_EFLAGS_IF"] | abi.X86_EFLAGS["X86_EFLAGS_FIXED"]


class ExitStatus(Frozen):
    """How a task ended: exactly one of `code` and `signal` is set."""

    code: int | None
    signal: int | None
    detail: str
    core: bool  # the signal's default action dumps core and RLIMIT_CORE allowed it

    __slots__ = _fields = ("code", "signal", "detail", "core")

    def __init__(self, code: int | None, signal: int | None = None, detail: str = "", core: bool = False) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "signal", signal)
        object.__setattr__(self, "detail", detail)
        object.__setattr__(self, "core", core)

    @property
    def wait_status(self) -> int:
        """The status word wait4() would report (WEXITSTATUS / WTERMSIG, WCOREDUMP's 0x80)."""
        return (self.code or 0) << 8 if self.signal is None else self.signal | (0x80 if self.core else 0)


class ThreadGroup:
    """What the threads of one process share (struct signal_struct): its id, parent, process group,
    resource limits, the signals sent to the process as a whole, and how it ended.

    `threads` are the live ones; the leader (whose tid is the process's pid)
    may have exited before them and then waits, a zombie nobody can reap
    yet, until the last one is gone.
    """

    def __init__(self, leader: Task, parent: Task | None) -> None:
        self.leader = leader
        self.threads: list[Task] = [leader]
        self.parent = parent
        self.pgid = self.sid = leader.tid
        self.rlimits: list[tuple[int, int]] | None = None  # None: the defaults, made on first use
        self.shared = SharedPending()
        self.curr_target: Task | None = None  # where the search for a thread to take a process's signal starts
        #: exit_group or a fatal signal: every thread ends with this (SIGNAL_GROUP_EXIT's group_exit_code).
        self.group_exit: ExitStatus | None = None
        self.times = GroupTimes.new()  # ended threads' and reaped children's cpu time (kernel/cputime.py)
        self.timers = ProcessTimers()  # alarm, setitimer, timer_create (kernel/ktimers.py): none after fork
        #: prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are reparented here (kernel/reaper.py).
        self.child_subreaper = False
        # Job control (signal_struct's SIGNAL_STOP_* flags and group_exit_code, kernel/signals.py):
        self.stopped = False  # SIGNAL_STOP_STOPPED: a stop signal stopped every thread, no SIGCONT since
        self.stop_code = 0  # the stop signal, for the parent's wait (WUNTRACED); 0 once reported
        self.stop_signal = 0  # the stop signal of the last stop (jobctl's JOBCTL_STOP_SIGMASK)
        self.continued = False  # SIGNAL_STOP_CONTINUED: a SIGCONT ended a stop, not yet reported (WCONTINUED)

    @property
    def pid(self) -> int:
        return self.leader.tid

    @property
    def ended(self) -> bool:
        """Every thread has exited: the process is a zombie (or reaped)."""
        return not self.threads


#: ns a sleep may be late by: init's timer_slack_ns (include/linux/init_task.h).
DEFAULT_TIMER_SLACK_NS = 50_000

class IoContext:
    """struct io_context: what holds a task's I/O priority (ioprio_set); clone(CLONE_IO) shares it."""

    __slots__ = ("ioprio",)

    def __init__(self, ioprio: int = 0) -> None:
        self.ioprio = ioprio


class SemUndoList:
    """struct sem_undo_list's identity: clone(CLONE_SYSVSEM) shares one (kcmp's KCMP_SYSVSEM compares them)."""

    __slots__ = ()


class Task:
    """A thread (struct task_struct); a process is a ThreadGroup of them.

    `tid` is the thread's own id, `pid` its process's (the leader's tid).
    The address space (`mm`), the open files (`files`), the working directory
    and umask (`fs`), the signal actions (`sighand`) are objects clone's
    CLONE_* flags share; the process's parent, process group, session and
    resource limits are the group's (`group`); the registers, kernel stack,
    credentials, signal mask, private pending set and alternate stack
    (`signals`) and FPU image are the thread's own.

    Between system calls its user registers live in pt_regs at the top of its
    kernel stack; a task that is not running resumes either there (`fresh`:
    a new or exec'd program, a forked child), on the trap instruction of a
    system call it slept in, or (`preempted`) in the timer interrupt's entry
    that saved them.
    """

    def __init__(self, machine: Machine, tid: int, parent: Task | None, mm: Mm, kstack_top: int, regs_pa: int) -> None:
        self.machine = machine
        self.cpu: Cpu = machine.cpu
        self.tid = tid
        # The thread-group id, what getpid answers in every thread: the leader's tid, which a thread
        # exec'ing takes over (de_thread), so it never changes. A plain attribute: getpid is the hot path.
        self.pid = tid
        self.group = ThreadGroup(self, parent)  # clone(CLONE_THREAD) puts the new task in its creator's instead
        self.children: list[Task] = []  # the processes (group leaders) this thread forked
        self.mm = mm
        self.kstack_top = kstack_top  # TSS.sp0 and cpu_current_top_of_stack while running
        self.regs_pa = regs_pa  # struct pt_regs at the top of the kernel stack, in RAM
        self.files = FdTable(machine.ram, lambda: machine.sysctl.nr_open)
        self.fs = FsStruct(machine.fs.root)
        self.nsproxy = machine.init_nsproxy  # its UTS and IPC namespaces (kernel/nsproxy.py)
        #: The pid namespace its pid was made in (task_active_pid_ns) and its number at each level, the
        #: first the global `tid` (kernel/pidns.py); spawn sets them for a task made in a nested one.
        self.pid_ns: PidNamespace = machine.init_nsproxy.pid_for_children
        self.upid: tuple[int, ...] = (tid,)
        self.cred = Creds()
        self.exe = b""
        #: The file the process runs (mm->exe_file): nothing may write to it meanwhile (vfs.deny_write).
        self.exe_file: Regular | None = None
        self.comm = b""  # the name ps shows: the program's file name, at most 15 bytes
        self.pdeath_signal = 0
        self.exit_signal = SIGCHLD  # what the parent is sent at exit: clone's CSIGNAL byte (SIGCHLD for fork)
        self.dumpable = 1
        self.nice = 0
        self.policy = SCHED_NORMAL  # sched_setscheduler's; real-time ones run first (kernel/rtsched.py)
        self.rt_priority = 0
        self.sched_reset_on_fork = False
        self.personality = 0  # PER_LINUX; inherited by fork and execve (syscalls/personality.py)
        self.io = IoContext()
        self.sem_undo: SemUndoList | None = None  # made when first shared (copy_semundo)
        self.timer_slack_ns = DEFAULT_TIMER_SLACK_NS  # prctl(PR_SET_TIMERSLACK); 0 resets it to the default
        self.default_timer_slack_ns = DEFAULT_TIMER_SLACK_NS  # the creator's slack when it forked
        self.no_new_privs = False  # prctl(PR_SET_NO_NEW_PRIVS): never cleared, inherited
        #: SYSCALL_WORK_* bits: seccomp's (kernel/syscall_work.py: set, the entry calls the runtime before the
        #: handler) and ptrace's (kernel/ptrace.py: the trap's stops). 0 for nearly every task, so the path
        #: tests one integer. One word, so the bits must differ (they are Linux's).
        self.syscall_work = 0
        self.seccomp_mode = 0  # kernel/seccomp.py: SECCOMP_MODE_*, inherited, never lowered
        self.seccomp_filter: Filter | None = None  # the newest filter, linked to the older ones (shared)
        self.notsc = False  # prctl(PR_SET_TSC, PR_TSC_SIGSEGV): TIF_NOTSC, rdtsc faults (kernel/tsc.py)
        self.forked_no_exec = False  # PF_FORKNOEXEC: made by fork, no execve since (acct's AFORK)
        self.status: ExitStatus | None = None  # set: exited (a process's leader stays, a zombie, until reaped)
        self.sleep: Sleep | None = None
        self.fresh = True
        self.kernel_rsp = 0  # where it slept, or was preempted
        self.preempted = False  # the tick took the cpu from it in user mode: it resumes through iretq
        self.restart_trap = 0  # set: a sleeping call restarts at this trap (int $0x80's), not the 64-bit one
        self.restart_at = 0  # a user instruction to re-run after a page fault was served (or a handler)
        self.restart_vector = 14  # the exception whose record goes before that
        # A page fault userfaultfd holds (handle_userfault): the task parks in the kernel with this as its
        # sleep, and runs the faulting instruction again once it is woken (kernel/sched.py).
        self.fault_wait: Sleep | None = None
        self.demand_paged: tuple[int, int] | None = None  # (rip, page) of the last served page fault
        self.fs_base = self.gs_base = 0  # the user's, while switched out
        self.clear_child_tid = 0
        self.vfork_parent: Task | None = None
        self.signals = Signals()
        self.sighand = SigHand()
        self.sigpending = 0  # pending and not blocked: the return path's one test
        self.fpu: bytes = INITIAL  # x87/SSE registers while another task owns the cpu's
        self.robust_list = 0  # set_robust_list's head: the thread's own
        self.start_time = time.monotonic()  # /proc/PID/stat's starttime
        self.times = TaskTimes()  # its cpu time, switches and faults (kernel/cputime.py)
        self.arg_start = self.arg_end = 0  # argv's strings on the initial stack: /proc/PID/cmdline
        #: TASK_STOPPED or TASK_TRACED: the scheduler passes it over until SIGCONT (or its tracer) wakes it.
        self.stopped = False
        self.traced_stop = False  # the stop is TASK_TRACED (a ptrace stop): only the tracer or SIGKILL ends it
        #: What a ptrace stop reports to the tracer's wait (the signal, or SIGTRAP with an event); 0 once seen.
        self.exit_code = 0
        #: ptrace (kernel/ptrace.py): PT_PTRACED | PT_SEIZED | the options, 0 when untraced; the tracer,
        #: and the tasks this one traces.
        self.ptrace = 0
        self.tracer: Task | None = None
        self.ptraced: list[Task] = []
        self.last_siginfo: bytes | None = None  # the siginfo of the ptrace stop it is in (PTRACE_GETSIGINFO)
        self.ptrace_passed = 0  # signals the tracer let through a signal-delivery-stop: not stopped for again
        self.ptrace_message = 0  # PTRACE_GETEVENTMSG's
        self.ptrace_options = 0  # PTRACE_O_*
        self.ptrace_stop_kind = 0  # signals.SIGNAL_STOP, GROUP_STOP or EVENT_STOP while in a ptrace stop
        self.syscall_stop = 0  # kernel/ptrace.py's SYSCALL_* states of a traced call
        self.ptrace_event: tuple[int, int] | None = None  # an event to report at the call's exit, with its message
        self.exit_reported = False  # PTRACE_EVENT_EXIT was reported: exit goes on without another stop
        self.debugreg = [0] * 8  # u_debugreg's DR6 and DR7 as a tracer wrote them (kernel/hwbreak.py)
        self.breakpoints: list[Breakpoint | None] | None = None  # DR0-DR3's, made on the first write

    def nofile(self) -> int:
        """RLIMIT_NOFILE's soft limit: the number every new descriptor must stay below."""
        return self.rlimits[RLIMIT_NOFILE][0] if self.rlimits is not None else self.machine.limits.nofile[0]

    @property
    def parent(self) -> Task | None:
        """The thread that forked the process (real_parent), the same for all its threads."""
        return self.group.parent

    @parent.setter
    def parent(self, parent: Task | None) -> None:
        self.group.parent = parent

    @property
    def pgid(self) -> int:
        return self.group.pgid

    @pgid.setter
    def pgid(self, pgid: int) -> None:
        self.group.pgid = pgid

    @property
    def sid(self) -> int:
        return self.group.sid

    @sid.setter
    def sid(self, sid: int) -> None:
        self.group.sid = sid

    @property
    def rlimits(self) -> list[tuple[int, int]] | None:
        return self.group.rlimits

    @rlimits.setter
    def rlimits(self, rlimits: list[tuple[int, int]] | None) -> None:
        self.group.rlimits = rlimits

    @property
    def ppid(self) -> int:
        return self.parent.pid if self.parent is not None else 0

    @property
    def is_leader(self) -> bool:
        return self.group.leader is self

    def exit(self, code: int) -> None:
        """exit_group(code): the whole process ends."""
        self.machine.do_group_exit(self, ExitStatus(code & 0xFF))

    def exit_thread(self, code: int) -> None:
        """exit(code): this thread alone; the process ends with its last thread."""
        self.machine.do_exit(self, ExitStatus(code & 0xFF))

    def kill(self, signal: int, detail: str = "") -> None:
        """Death by `signal`: a fatal signal ends every thread of the process."""
        from syscalltbl.machine.kernel import coredump  # here: a run that dumps no core need not import it

        limit = self.rlimits[RLIMIT_CORE][0] if self.rlimits is not None else 0
        core = signal in CORE_SIGNALS and self.dumpable > 0 and self.status is None and coredump.dump(
            self, signal, limit)
        self.machine.do_group_exit(self, ExitStatus(None, signal, detail or signame(signal), core))

    def pt_regs(self) -> dict[str, int]:
        """The saved user registers, read from kernel-stack memory."""
        values = struct.unpack_from(f"<{len(abi.PT_REGS)}Q", self.mm.ram.mem, self.regs_pa)
        return dict(zip(abi.PT_REGS, values, strict=True))

    def set_pt_regs(self, regs: dict[str, int]) -> None:
        struct.pack_into(f"<{len(abi.PT_REGS)}Q", self.mm.ram.mem, self.regs_pa, *(regs[r] for r in abi.PT_REGS))

    def start_thread(self, ip: int, sp: int) -> None:
        """The pt_regs a new program's first sysret returns through: at `ip`, on the stack at `sp`."""
        regs = dict.fromkeys(abi.PT_REGS, 0)
        regs.update(ip=ip, cs=abi.USER_CS, flags=USER_RFLAGS, sp=sp, ss=abi.USER_DS)
        regs.update(cx=ip, r11=USER_RFLAGS)
        self.set_pt_regs(regs)
        self.fs_base = self.gs_base = 0
        self.fresh = True
