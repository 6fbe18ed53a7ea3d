"""The emulated x86-64 machine: one cpu, its RAM, a kernel built from an x86-64 target, and its tasks.

Machine holds the state and wires the parts, each in a file named after its
job (as xv6 splits main.c, trap.c, proc.c, exec.c):

    kernel/boot.py   the kernel image into RAM, GDT/TSS, startup_64 (syscall_init), the vDSO
    kernel/trap.py   the syscall and int $0x80 entries, their one `dispatch`, exit work, faults
    kernel/sched.py  switching tasks, the run loop, sleeping
    kernel/proc.py   spawn, fork, exit, reap (beside Task in kernel/process.py)
    kernel/exec.py   execve and the first task (binfmt_elf.py, binfmt_script.py: the formats)
"""

from __future__ import annotations

import ctypes
import os
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw.cpu import Cpu
from syscalltbl.machine.hw.fpu import FpuRegisters
from syscalltbl.machine.hw.irq import InterruptLine
from syscalltbl.machine.hw.paging import AddressSpace
from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.image.irqhook import SYMBOL as IRQ_HOOK
from syscalltbl.machine.image.irqhook import build_irq_hook
from syscalltbl.machine.image.kbuild import Kernel, build_kernel
from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.kernel import boot, exec, oom, proc, sched, syscall_work, trap
from syscalltbl.machine.kernel.cputime import SyscallClock
from syscalltbl.machine.kernel.devices import CharDevice, Driver
from syscalltbl.machine.kernel.fsspace import Space
from syscalltbl.machine.kernel.hostfs import host_root
from syscalltbl.machine.kernel.hostsig import HostSignals
from syscalltbl.machine.kernel.inotify import InotifyLimits, default_max_user_watches
from syscalltbl.machine.kernel.ktimers import Timer, TimerQueue
from syscalltbl.machine.kernel.limits import Limits
from syscalltbl.machine.kernel.locks import LockTable
from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.netns import InetNamespace
from syscalltbl.machine.kernel.nsproxy import boot_nsproxy
from syscalltbl.machine.kernel.pid1 import Init, Pid1
from syscalltbl.machine.kernel.printk import KernelLog
from syscalltbl.machine.kernel.process import ExitStatus, Task, ThreadGroup
from syscalltbl.machine.kernel.procfs import ProcRoot
from syscalltbl.machine.kernel.shm import ShmNamespace
from syscalltbl.machine.kernel.sysctl import DEFAULT_DOMAINNAME, DEFAULT_HOSTNAME, Sysctl
from syscalltbl.machine.kernel.timekeeping import WallClock
from syscalltbl.machine.kernel.timens import refresh_vvar
from syscalltbl.machine.kernel.timer import Tick
from syscalltbl.machine.kernel.tun import tun_directory
from syscalltbl.machine.kernel.ucount import Ucounts
from syscalltbl.machine.kernel.userfaultfd_dev import UserfaultfdDevice
from syscalltbl.machine.kernel.vdso import ClockSource
from syscalltbl.machine.kernel.vfs import FileSystem
from syscalltbl.machine.project import load as load_project
from syscalltbl.machine.syscalls import families
from syscalltbl.machine.syscalls.registry import Handler, Tracer, bind, typed, unimplemented
from syscalltbl.machine.uapi.structs import TIMEZONE
from syscalltbl.store.record import replace
from syscalltbl.tables.target import X86_64Target
from syscalltbl.tables.target import default as default_target

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.af_unix import UnixNamespace


class Observer(Protocol):
    def started(self, task: Task, filename: bytes, argv: list[bytes], envp: list[bytes]) -> None: ...
    def signal(self, task: Task, sig: int, info: bytes) -> None: ...
    def exited(self, task: Task, status: ExitStatus) -> None: ...


class Machine:
    """One cpu, its RAM, a kernel built from the x86-64 syscall table, and its tasks."""

    def __init__(
        self,
        *,
        target: X86_64Target | None = None,
        handlers: Mapping[str, Handler] | None = None,
        syscall_mask: Sequence[str] = abi.LINUX_SYSCALL_MASK,
        ram_size: int | None = None,
        limits: Limits | None = None,
        stdio: tuple[int, int, int] = (0, 1, 2),
        root: str | os.PathLike[str] | None = None,
        tracer: Tracer | None = None,
        ia32_emulation: bool = True,
        devices: Mapping[str, Driver] | None = None,
    ) -> None:
        """`target` is what the kernel is built from (default: syscalltbl's own tables);
        its project's syscalls/*.py and devices/*.py are bound and created too.

        `handlers` adds or replaces implementations (entry point -> function).

        `limits` bounds what the guest may take (kernel/limits.py: RAM, the
        filesystem's size and inodes, processes, descriptors); `ram_size`
        replaces its memory alone.

        `ia32_emulation=False` is Linux's boot option of that name: int $0x80
        then has no IDT entry for user mode and is a #GP (SIGSEGV).

        `stdio` are the host descriptors behind the first task's 0, 1 and 2;
        -1 leaves that one closed.

        `root`: the filesystem is a copy-on-write view of this host directory
        (kernel/hostfs.py: read on demand, never written); None, an empty tree.

        `devices` adds character devices, /dev/NAME -> driver, to those of
        the project's devices/*.py.

        With a `tracer` every table entry goes through Python (holes answer
        -ENOSYS there instead of in assembly), so the tracer sees each call.
        """
        self.target = target or default_target()
        project = load_project(self.target)
        # Weakly, as every link from RAM to the machine (see PhysicalMemory._cpu): a finalizer that holds
        # RAM must not keep a finished machine alive.
        machine = weakref.ref(self)
        # A family's module is imported at its first call (syscalls/families.py); a tracer wraps every body
        # as it is bound, so a traced machine has them all from the start.
        index = families.index() if tracer is None else None
        builtin = families.load_all() if index is None else families.stand_ins(
            index, lambda entry_point, body: _family_loaded(machine(), entry_point, body))
        self.handlers: dict[str, Handler] = {**builtin, **project.handlers, **(handlers or {})}
        self.kernel: Kernel = build_kernel(self.target, self.handlers, syscall_mask, trace_all=tracer is not None)
        drivers = {name: cls() for name, cls in project.drivers.items()}
        # Bound once, here: entry point -> function, through the generated table; the same functions
        # by entry point for int $0x80's numbering, typed by the same prototypes.
        declarations = {e.entry_point: e.prototype for e in self.kernel.table if e.prototype is not None}
        self.declarations = declarations
        self.dispatch = bind(self.kernel.table, self.handlers, declarations, tracer)
        self.ia32_dispatch = bind(self.kernel.ia32_table, self.handlers, declarations, tracer)
        #: Entry point -> its (dispatch list, index) places, for a family's stand-ins to give way to its bodies.
        self.dispatch_places: dict[str, list[tuple[list[Handler], int]]] | None = None
        self.stdio = stdio
        self.ia32_emulation = ia32_emulation
        self.limits = limits or Limits()
        if ram_size is not None:
            self.limits = replace(self.limits, memory=ram_size)
        self.cpu = Cpu()
        self.irq = InterruptLine(self.cpu, build_irq_hook(), IRQ_HOOK)
        #: The scheduler's time slices: raises `irq` when one ends (kernel/timer.py).
        self.tick = Tick(self.irq)
        #: Armed alarm, setitimer and timer_create timers (kernel/ktimers.py); the scheduler fires them.
        self.timers = TimerQueue()
        #: Set while `syscalltbl run` forwards the host's SIGINT/SIGTERM/SIGHUP (kernel/hostsig.py).
        self.host_signals: HostSignals | None = None
        #: The terminal's foreground process group: the first task's (there is no job control).
        self.foreground_pgid = 0
        #: PID 1 under Linux's rules for it, the orphans' parent (kernel/pid1.py); None: no such rules.
        self.child_reaper: ThreadGroup | None = None
        #: The generated init, when it is PID 1 (kernel/pid1.py).
        self.init: Init | None = None
        self.ram = PhysicalMemory(self.cpu, self.limits.memory)
        self.timers.on_armed = lambda timer: _timer_armed(machine(), timer)
        self.ram.out_of_memory = lambda: (m := machine()) is not None and oom.out_of_memory(m)
        space = Space(self.limits.fs_bytes, self.limits.inodes, self.ram)
        self.fs = FileSystem(None if root is None else host_root(root, space),
                             proc=lambda parent: ProcRoot(parent, self), space=space,
                             lowerdir=None if root is None else os.fsencode(os.path.realpath(root)))
        #: System V shared memory segments (shmget) of the first IPC namespace.
        self.shm = ShmNamespace(self.ram, lambda: _current_pid(machine()))
        #: The UTS and IPC namespaces the first process starts in (kernel/nsproxy.py).
        self.init_nsproxy = boot_nsproxy(self.ram, self.shm, DEFAULT_HOSTNAME, DEFAULT_DOMAINNAME)
        self._unix: UnixNamespace | None = None  # made by the first socket (the `unix` property)
        #: The first network namespace (init_net, kernel/inet.py): the first process's.
        self.inet: InetNamespace = self.init_nsproxy.net
        self.host_root = None if root is None else os.path.realpath(root)
        #: Record, OFD and flock locks (kernel/locks.py): the machine's own, never the host's.
        self.file_locks = LockTable(self.ram)
        for minor, (name, driver) in enumerate(sorted({**drivers, **(devices or {})}.items())):
            self.fs.add_device(name.encode(), CharDevice(driver, minor))
        self.fs.add_device(b"net", tun_directory(self.fs))
        if "userfaultfd" not in {**drivers, **(devices or {})}:
            self.fs.add_device(b"userfaultfd", UserfaultfdDevice())  # userfaultfd's misc device
        self.kmm = AddressSpace(self.ram)
        self.current: Task | None = None
        self.fpu = FpuRegisters(self.cpu)
        #: When every task sleeps longer than this (seconds), say Deadlock instead of waiting (the fuzzer's).
        self.longest_sleep: float | None = None
        #: Told of each signal delivered and each process's end (strace's --- and +++ lines).
        self.observer: Observer | None = None
        self.fpu_owner: Task | None = None  # whose x87/SSE registers the cpu holds
        self.tasks: dict[int, Task] = {}
        self.last_pid = 0
        self.pids_wrapped = False  # once pids pass pid_max, each new one is checked against those in use
        #: kernel.* and fs.* tunables: /proc/sys, uname's names, pid_max (kernel/sysctl.py).
        self.sysctl = Sysctl(threads_limit=self.limits.threads_max, nr_open=self.limits.nr_open)
        #: The first user namespace's /proc/sys/user limits and counts (kernel/ucount.py): half of threads-max.
        self.ucounts = Ucounts(self.sysctl.threads_max // 2)
        #: /proc/sys/fs/inotify's limits and each user's inotify instances and watches (kernel/inotify.py).
        self.sysctl.inotify_max_user_watches = default_max_user_watches(self.limits.memory)
        self.inotify = InotifyLimits(self.sysctl)
        self.kernel_log = KernelLog()  # the ring syslog(2) reads (kernel/printk.py)
        #: Address spaces and tasks that died while their page tables or kernel stack were in use.
        self.dead_mms: list[Mm] = []
        self.dead_tasks: list[Task] = []
        #: CLOCK_REALTIME and the NTP state: the machine's own; setting it moves the vDSO's sample at once.
        self.wallclock = WallClock()
        self.clock = ClockSource()  # the vDSO's clocks and clock_gettime's, one extrapolation
        self.gdt_base, self.vdso, self.vdso_frames, self.vvar_frame = boot.boot(self)
        self.wallclock.on_set = lambda: _clock_set(machine())
        #: The system time the trap's hook measures, not yet charged to the running task (kernel/cputime.py).
        self.syscall_clock = SyscallClock()
        #: Where the running task's pt_regs are in this process, for the trap's hook (kernel/trap.py).
        self.trap_regs = ctypes.c_uint64()
        trap.install(self)
        syscall_work.install(self)
        sym = self.kernel.symbol
        self.resume_fresh = sym("syscall_return_to_user")
        self.resume_restart = sym("__x64_python_trap")
        self.resume_done = sym("__x64_python_return")
        self.resume_ia32 = sym("__ia32_python_trap")
        self.fault_gate = sym("fault_gate_trampoline")
        self.fault_next_rip_pa = boot.kpa(self, "fault_next_rip")
        #: The per-cpu area (the scheduler writes the running task's stack tops and syscall work there).
        self.percpu = sym("__per_cpu_start")
        self.percpu_pa = boot.kpa(self, "__per_cpu_start")
        self.fatal_halted = sym("exc_fatal_halted")
        self.timer_gate = sym("timer_gate_trampoline")
        self.timer_next_rip_pa = boot.kpa(self, "timer_next_rip")
        self.resume_preempted = sym("sysvec_apic_timer_preempted")
        #: Where a task resumes on its way back to user mode, with pending signals delivered first.
        self.resume_exit_work = frozenset((self.resume_done, self.resume_fresh, self.resume_preempted))
        self.gate_microcode = frozenset(
            map(sym, ("syscall_microcode", "int80_microcode", "fault_microcode", "timer_microcode"))
        )

    @property
    def unix(self) -> UnixNamespace:
        """Unix-domain sockets' autobind counter and what is in flight in them, one for the machine: made
        at the first use, as nothing of it is drawn before (a run without sockets does not import them)."""
        if self._unix is None:
            from syscalltbl.machine.kernel.af_unix import UnixNamespace

            self._unix = UnixNamespace(self.fs, self.ram)
        return self._unix

    def unimplemented(self) -> list[TableEntry]:
        return unimplemented(self.kernel.table, self.handlers)

    # -- what the kernel's parts and the tools ask of the machine: the parts' own functions, as methods --

    start = exec.start
    find_program = exec.find_program
    schedule = sched.schedule
    run_until = sched.run_until
    kill_all = proc.kill_all
    do_exit = proc.do_exit
    do_group_exit = proc.do_group_exit
    fpu_state = proc.fpu_state
    set_fpu_state = proc.set_fpu_state
    user_registers = trap.user_registers
    set_user_registers = trap.set_user_registers

    def run(
        self,
        program: str | Path,
        argv: Sequence[str | bytes] | None = None,
        envp: Sequence[str | bytes] = (),
        *,
        timeout: float = 30.0,
        cwd: bytes = b"/",
        pid1: Pid1 = Pid1.BARE,
    ) -> ExitStatus:
        """Run an x86-64 program (an ELF, static or dynamic, or a #! script) and whatever it forks to
        completion; say how it ended (with Pid1.INIT, the init's status: the program's, 128+N for signal N)."""
        task = self.start(program, argv, envp, cwd=cwd, pid1=pid1)
        try:
            return self.schedule(task, timeout)
        except BaseException:
            self.kill_all()
            raise

    def observe_signal(self, task: Task, sig: int, info: bytes) -> None:
        if self.observer is not None:
            self.observer.signal(task, sig, info)


def _clock_set(machine: Machine | None) -> None:
    """CLOCK_REALTIME was stepped or the zone set: the vDSO shows it from the next read on, not the next slice."""
    if machine is not None:
        machine.clock.refresh(machine.ram.mem, machine.vvar_frame, machine.wallclock.host_offset_ns)
        TIMEZONE.pack_into(machine.ram.mem, machine.vvar_frame + abi.VVAR_TZ, *machine.wallclock.tz)
        if machine.current is not None:
            refresh_vvar(machine, machine.current.nsproxy.time)  # a time namespace's page copies the zone too


def _family_loaded(machine: Machine | None, entry_point: str, body: Handler) -> Handler:
    """A stand-in loaded `entry_point`'s family: its body, typed, takes the stand-in's places in both ABIs'
    lists, and is what the stand-in calls."""
    if machine is None:
        return body
    machine.handlers[entry_point] = body
    if machine.dispatch_places is None:  # at the first call: most runs load few families, some none
        machine.dispatch_places = {}
        for table, dispatch in ((machine.kernel.table, machine.dispatch),
                                (machine.kernel.ia32_table, machine.ia32_dispatch)):
            for nr, e in enumerate(table):
                machine.dispatch_places.setdefault(e.entry_point, []).append((dispatch, nr))
    bound = typed(body, machine.declarations.get(entry_point))
    for dispatch, nr in machine.dispatch_places.get(entry_point, ()):
        dispatch[nr] = bound
    return bound


def _timer_armed(machine: Machine | None, timer: Timer) -> None:
    if machine is not None:
        sched.timer_armed(machine, timer)


def _current_pid(machine: Machine | None) -> int:
    """The pid of the process running now (System V's shm_lpid), 0 between processes."""
    return machine.current.pid if machine is not None and machine.current is not None else 0
