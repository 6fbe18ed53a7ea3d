"""A kernel fuzzer: random system calls from a ring-3 process, checked after each one.

In the spirit of trinity: a generated user program loops on `syscall` with
the number and six arguments it loads from a slot in its own memory. Before
each call a code hook runs here, on the host: it checks what the previous
call left behind, then writes the next call into the slot. The arguments are
shaped by the prototypes (arch/x86/include/syscalls_64.h): descriptors valid
and not, strings the fuzzer placed, pointers into its scratch area, NULL,
kernel, unmapped and non-canonical pointers, huge lengths, random flags. One
emu_start serves thousands of calls, so the rate is the machine's own.

After every call the checker verifies:
  - isolation: no user-accessible page of the fuzzing process maps a kernel
    frame, a page table, or a frame of another process (the shared vDSO and
    vvar frames and the program's page cache only without write access), the kernel half of its PML4 is the
    kernel's, and a second, sleeping process (the victim) keeps its memory,
    areas and descriptors unchanged, none of which the fuzzer's table holds;
  - kernel memory: the kernel's read-only segments (text, sys_call_table) are
    unchanged;
  - invariants: areas sorted, page-aligned, non-overlapping and below
    TASK_SIZE_MAX, every present user page inside an area and no more
    writable than it, each open file's reference count equal to the
    descriptors naming it, and a consistent process tree;
  - thread groups: every live thread's process has its leader in the table
    (live or a zombie) and lists it once under the leader's pid, an address
    space's `users` is the number of live tasks on it, none uses one put;
  - frames: each frame a live address space maps counts its holders
    exactly: its page-table entries (in every live address space, present
    or not) and the shared memory object, file or program image whose page
    it is.
File mappings: now and then, between its random calls, the fuzzer takes a
step of its own sequence on its descriptor 3, a regular file
(fuzzfiles.py): mmap of it at offsets, private and shared, MAP_FIXED over
its areas, mprotect and munmap that split them, msync, truncates under
them, and touches of their pages by the program itself, whose outcome
(the byte, SIGSEGV or SIGBUS) and effect on the file it predicts and checks.
Threads and processes: every clone and clone3 call, and about half of the
futex, futex_waitv and mmap calls, are shaped (fuzzshapes.py): glibc's thread flags with a stack
in the scratch area, forks and vforks, futex operations on the scratch
area's words and in MAP_SHARED areas it mapped, shared anonymous and file
mappings. A child that reaches the loop makes up to CHILD_CALLS calls of its
own (futex wakes, 1 ms waits, calls that only read) and exits; past
MAX_CHILDREN tasks the fuzzer's clones become wait4(WNOHANG), so the run
stays bounded. The children's calls interleave by host time (their waits
are real): a reproducer gives the same calls to the fuzzer, not always the
same interleaving.
A Python exception escaping a handler is a violation too (the host raised),
and so is the fuzzing process dying, unless the call that killed it was a
munmap, mprotect or MAP_FIXED mmap over its own program (munmap(0, 2 GiB)
takes the code with it on Linux too), or it had installed a handler (at a
random address: a child's SIGCHLD runs it, and the fault kills the process,
as on Linux): such deaths are counted, and a fresh machine goes on. Every
violation names its call and the seed and count that reproduce it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import render_unistd_64
from syscalltbl.machine.hw.paging import KERNEL_HALF, PTE_ADDR, PTE_P, PTE_RW, PTE_US
from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.image.elfimage import read_image
from syscalltbl.machine.image.kbuild import load_prototypes
from syscalltbl.machine.image.toolchain import build_elf
from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.af_unix import UnixSocket, files_in_flight
from syscalltbl.machine.kernel.hostsig import HostSignals
from syscalltbl.machine.kernel.limits import Limits
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.sched import Deadlock
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.kernel.timens import vvar_frame_of
from syscalltbl.machine.kernel.vfs import OpenFile, Regular
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.syscalls.registry import Handler
from syscalltbl.machine.tools.fuzzcreds import CRED_CALLS, CredShapes
from syscalltbl.machine.tools.fuzzfilecalls import SHAPED as FILE_CALLS
from syscalltbl.machine.tools.fuzzfilecalls import FileCallShaper
from syscalltbl.machine.tools.fuzzfiles import EVERY, FileSteps, Touch, verify
from syscalltbl.machine.tools.fuzzfiles import FD as FILE_FD
from syscalltbl.machine.tools.fuzzlocks import LockShaper, lock_problems
from syscalltbl.machine.tools.fuzzshapes import SPAWNING, Layout, Shaper
from syscalltbl.machine.tools.fuzzsockets import SOCKET_CALLS, SocketShaper
from syscalltbl.machine.tools.fuzztimers import TIMER_SHAPED, TimerShapes, killed_by_own_timer, timer_signals
from syscalltbl.machine.uapi.errno import EINTR, Errno
from syscalltbl.machine.uapi.fcntl import AT_FDCWD, O_RDWR
from syscalltbl.machine.uapi.futex import FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE
from syscalltbl.machine.uapi.mman import MAP_FIXED
from syscalltbl.machine.uapi.signal import SIG_DFL, SIG_IGN, SIGPIPE, SIGXFSZ
from syscalltbl.machine.uapi.wait import __WALL, WNOHANG
from syscalltbl.tables.prototype_model import Param
from syscalltbl.tables.target import X86_64Target
from syscalltbl.tables.target import default as default_target

LONGEST_SLEEP = 0.05  # seconds a fuzzed call may really wait before it is interrupted
MAX_CHILDREN = 6  # threads and processes (zombies too) the fuzzer may have; past it, its clones become wait4
CHILD_CALLS = 4  # at most this many calls by a child, then it exits
REAP = WNOHANG | __WALL  # wait4's options for reaping a child of any kind, without waiting

#: Calls the fuzzer never makes, by table name, and why.
EXCLUDED: Mapping[str, str] = {
    "exit": "ends the fuzzing process",
    "exit_group": "ends the fuzzing process",
    "pause": "blocks until a signal, and none comes",
    "rt_sigsuspend": "blocks until a signal, and none comes",
    "nanosleep": "sleeps for a random duration: one large timespec stalls the run",
    "clock_nanosleep": "sleeps for a random duration: one large timespec stalls the run",
    "kill": "pid 0, -1 or its own pid would kill the fuzzing process",
    "tkill": "its own tid would kill the fuzzing process",
    "tgkill": "its own tid would kill the fuzzing process",
    "rt_sigqueueinfo": "its own pid would kill the fuzzing process",
    "rt_tgsigqueueinfo": "its own tid would kill the fuzzing process",
    "pidfd_send_signal": "a pidfd of its own (pidfd_open of a small pid) would kill the fuzzing process",
    "execve": "replaces the fuzzing program",
    "execveat": "replaces the fuzzing program",
    "rt_sigreturn": "restores registers from a forged frame: the loop would jump anywhere",
    "reboot": "its halt and restart commands end every process, the fuzzer's too",
    "syslog": "SYSLOG_ACTION_READ waits for the kernel to log again, and nothing does",
}

FUZZ_PROGRAM = """
	.include "unistd_64.inc"
	.text
	.globl	_start
_start:
	.globl	fuzz_next
fuzz_next:
	nop					# hooked: the host checks the last call and writes the next
	movq	fuzz_slot+0(%rip), %rax
	movq	fuzz_slot+8(%rip), %rdi
	movq	fuzz_slot+16(%rip), %rsi
	movq	fuzz_slot+24(%rip), %rdx
	movq	fuzz_slot+32(%rip), %r10
	movq	fuzz_slot+40(%rip), %r8
	movq	fuzz_slot+48(%rip), %r9
	# All loaded in this one block, before any branch: a thread sharing the slot may run (and
	# rewrite it) only between blocks.
	cmpq	$-16, %rax			# fuzzfiles.TOUCH: a one-byte access of its own, not a call
	je	fuzz_touch
	syscall
	movq	%rax, fuzz_slot+56(%rip)
	jmp	fuzz_next
fuzz_touch:					# %rdi: the address; %rsi: 0 to read, else write
	xorl	%eax, %eax
	testq	%rsi, %rsi
	jne	1f
	movzbl	(%rdi), %eax
	jmp	2f
1:	movb	$0x5a, (%rdi)			# fuzzfiles.TOUCH_BYTE
2:	movq	%rax, fuzz_slot+56(%rip)
	jmp	fuzz_next

	.data
	.balign	4096
	.globl	fuzz_slot
fuzz_slot:
	.zero	4096
"""

SCRATCH = 0x200000000  # the fuzzer's scratch area: far from its program, stack and vDSO
SCRATCH_PAGES = 16
HOLE = 0x300000000  # never mapped unless a call maps it
MASK64 = (1 << 64) - 1
PATHS = (b"/", b"/fuzz", b"/fuzz/a", b"/fuzz/dir", b"/fuzz/dir/../a", b"fuzz/b", b"/dev/null", b"/dev/zero",
         b"/proc/self/exe", b"/victim/secret", b"", b".", b"..", b"a" * 300, b"/fuzz/" + b"x" * 4000,
         b"/proc/sys/kernel/pid_max", b"/proc/sys/kernel/hostname")  # fmt: skip
SIZES = (0, 1, 7, 64, 4096, 4097, SCRATCH_PAGES * 4096, 1 << 31, 1 << 32, 1 << 63, MASK64)
INTS = (0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 32, 1 << 63, MASK64)
FD_NAMES = frozenset({"fd", "oldfd", "newfd", "dfd", "olddfd", "newdfd", "fdin", "fdout", "fd_in", "fd_out"})
SIZE_NAMES = frozenset({"count", "len", "size", "bufsiz", "vlen", "nbytes", "length", "old_len", "new_len"})
ADDRESS_NAMES = frozenset({"addr", "start", "brk", "new_addr"})
_Q = struct.Struct("<Q")
_TABLE = struct.Struct("<512Q")


@dataclass(frozen=True, slots=True)
class Violation:
    index: int
    call: str
    problem: str


@dataclass(slots=True)
class Report:
    seed: int
    calls: int = 0
    seconds: float = 0.0
    interrupted: int = 0  # calls that blocked with nothing to wake them: ended with EINTR
    self_unmapped: int = 0  # calls that unmapped or re-protected the fuzzer's own program, which then died
    handler_deaths: int = 0  # deaths by a signal while a handler the fuzzer forged was installed
    timer_deaths: int = 0  # deaths by the signal of a timer it had armed (alarm, setitimer, timer_create)
    child_calls: int = 0  # calls made by the threads and processes the fuzzer created
    file_steps: int = 0  # steps on its file and the areas mapping it (fuzzfiles.py), beside `calls`
    touches: int = 0  # of the file steps, one-byte accesses by the fuzzing program itself
    touch_faults: int = 0  # touches that raised the SIGSEGV or SIGBUS predicted, ending the process
    violations: list[Violation] = field(default_factory=list)
    by_name: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


class Fuzzer:
    """Fuzz one machine; `handlers` replaces implementations (to test the checker itself)."""

    def __init__(
        self,
        seed: int,
        count: int,
        *,
        handlers: Mapping[str, Handler] | None = None,
        target: X86_64Target | None = None,
        host_signals: HostSignals | None = None,
        limits: Limits | None = None,
        files: bool = True,
    ) -> None:
        """`limits`: the machine's (kernel/limits.py); set low, calls run into them all the time.

        `files`: take the file-mapping steps (fuzzfiles.py) between the random calls; without them a seed
        makes the calls it made before they existed.
        """
        self.seed, self.count = seed, count
        self.host_signals = host_signals
        self.limits = limits
        self.target = target or default_target()
        self.rng = random.Random(seed)
        self.handlers = handlers
        self.child_rng = random.Random(seed ^ 0x5EED)  # children interleave by host time: their own sequence
        self.files = files
        self.file_rng = random.Random(seed ^ 0xF11E)  # the file steps' own: without them, a seed's calls are as before
        self.touch: Touch | None = None  # the touch the program was asked for, until the next check
        self.report = Report(seed)
        self.index = 0
        self.last = ""
        self.words: list[int] = []
        self.prototypes = load_prototypes(self.target.prototypes)
        self.broken = False
        self._tables: dict[int, tuple[bytes, list[tuple[int, int]]]] = {}
        self._walked: dict[int, tuple[dict[int, int], set[int]]] = {}  # cr3 -> _user_pages, during one check

    # -- set-up --

    def _program(self, machine: Machine) -> Path:
        unistd = render_unistd_64(list(machine.kernel.syscalls), source="sys_call_table")
        return build_elf({"fuzz.S": FUZZ_PROGRAM, "unistd_64.inc": unistd}, linker_script=None, name="fuzz")

    def _boot(self) -> None:
        null = os.open(os.devnull, os.O_RDWR)
        self._null = null
        machine = self.machine = Machine(target=self.target, stdio=(null, null, null), handlers=self.handlers,
                                         limits=self.limits)
        if self.host_signals is not None:
            self.host_signals.attach(machine)  # Ctrl-C stops the fuzzer, whichever machine runs
        # A random timeout (poll for 66 hours, or for 40 s) blocks as good as forever: end it with EINTR.
        machine.longest_sleep = LONGEST_SLEEP
        root = machine.fs.root
        root.mkdir(b"fuzz").mkdir(b"dir")
        secret = Regular(b"the victim's private data\n", perm=0o600)
        root.mkdir(b"victim").add(b"secret", secret)
        program = self._program(machine)
        image = read_image(program)
        symbols = image.symbols
        self.slot = symbols["fuzz_slot"]
        self.own = (min(s.vaddr for s in image.segments), max(s.vaddr + s.memsz for s in image.segments))
        # The victim: a second process that sleeps for good, holding memory and a private file.
        victim = self.victim = machine.start(program, ["victim"], cwd=b"/")
        victim.sleep = Sleep(lambda: False)
        victim.files.put(7, OpenFile(secret, 2, b"/victim/secret"), False)
        victim.mm.fault_in(victim.mm.vmas[-1].end - 8, True)
        victim.mm.poke(victim.mm.vmas[-1].end - 4096, b"victim secret " * 64)
        task = self.task = machine.start(program, ["fuzz"], cwd=b"/")
        if self.limits is not None and machine.fs.space is not None:
            # Limits set low are there to be met: the filesystem starts all but full (/fuzz/full takes
            # what is free but two pages), and the fuzzer's descriptor table full, every free slot
            # open on the one-page /fuzz/a for writing: opens, dups and pipes meet EMFILE, and writes
            # and truncates that grow /fuzz/a meet ENOSPC or a short count.
            room = max(machine.fs.space.free_pages - 3, 0)
            machine.fs.add_file(b"/fuzz/full", bytes(room * abi.PAGE_SIZE), 0o666)
            small = self.mapped = OpenFile(machine.fs.add_file(b"/fuzz/a", bytes(abi.PAGE_SIZE), 0o666), O_RDWR,
                                           b"/fuzz/a")
            for fd in range(3, min(task.nofile(), 64)):
                task.files.put(fd, small, False)
        self.calls = [e for e in machine.kernel.table if e.number >= 0 and e.name not in EXCLUDED]
        self.numbers = {e.name: e.number for e in machine.kernel.table if e.number >= 0}
        self.budgets: dict[Task, int] = {}  # calls each child has left
        if self.limits is None:  # a file to map shared; with limits set low, every descriptor is /fuzz/a
            mapped = machine.fs.add_file(b"/fuzz/mapped", bytes(range(256)) * (2 * abi.PAGE_SIZE // 256), 0o666)
            self.mapped = OpenFile(mapped, O_RDWR, b"/fuzz/mapped")
            task.files.put(FILE_FD, self.mapped, False)
        self.victim_private = {id(f) for f, _ in victim.files.fds.values()}
        machine.cpu.on_code(symbols["fuzz_next"], self._next)
        self._scratch(task)
        self.shaper = Shaper(self.rng, Layout(SCRATCH, SCRATCH_PAGES))
        self.socket_shaper = SocketShaper(self.rng, SCRATCH + 3 * 4096)  # the scratch area's page 3 (fuzzsockets.py)
        self.locks = LockShaper(random.Random(self.seed ^ 0x10C5), SCRATCH, FILE_FD)
        self.child_locks = LockShaper(self.child_rng, SCRATCH, FILE_FD)
        self.creds = CredShapes(self.rng, SCRATCH + 4 * 4096)  # page 2 is the clones' TLS, 8-15 their stacks
        self.timer_shapes = TimerShapes(self.rng, SCRATCH + 5 * 4096)  # its page is the one after this: 6
        self.timed: frozenset[int] = frozenset()  # the signals its timers may send it (fuzztimers.py)
        self.file_steps = FileSteps(self.file_rng, self.numbers)
        self.touch = None
        self.shaper.prepare(task.mm)
        self.file_calls = FileCallShaper(self.rng, SCRATCH + 5 * abi.PAGE_SIZE)  # a page no other shape uses
        self.file_calls.prepare(task.mm)
        self.kernel_frames = set(self._kernel_frames())
        self.kernel_ro = self._kernel_readonly()
        self.kernel_ro_digest = self._digest_kernel()
        self._walked.clear()  # a fresh machine: the same cr3 is other tables
        self.victim_state = self._victim_state()

    def _scratch(self, task: Task) -> None:
        mm = task.mm
        mm.add_vma(SCRATCH, SCRATCH + SCRATCH_PAGES * 4096, read=True, write=True, execute=False, name="[fuzz]")
        strings = b"".join(p + b"\0" for p in PATHS)
        mm.poke(SCRATCH, strings)
        self.paths = []
        at = SCRATCH
        for p in PATHS:
            self.paths.append(at)
            at += len(p) + 1
        mm.poke(at, bytes(self.rng.getrandbits(8) for _ in range(256)))
        self.machine.cpu.flush_tlb()

    # -- arguments --

    def _pointer(self) -> int:
        rng = self.rng
        kind = rng.randrange(10)
        if kind < 5:
            return SCRATCH + rng.choice((0, 8, 64, 4096, SCRATCH_PAGES * 4096 - 8, rng.randrange(SCRATCH_PAGES * 4096)))
        sym = self.machine.kernel.symbol
        return rng.choice((
            0, HOLE, HOLE + 4093, sym("sys_call_table"), sym("entry_SYSCALL_64"), sym("syscall_gate_trampoline"),
            self.victim.kstack_top - 64, 1 << 47, abi.TASK_SIZE_MAX - 1, MASK64,
        ))  # fmt: skip

    def _arg(self, p: Param, nr_name: str) -> int:
        rng = self.rng
        name = p.name
        if p.is_user_pointer:
            if p.type == "const char __user *" and rng.randrange(4):
                return rng.choice(self.paths)
            return self._pointer()
        if name in FD_NAMES:
            fds = sorted(self.task.files.fds)
            choice = rng.randrange(8)
            if choice < 5 and fds:
                return rng.choice(fds)
            if name.endswith("dfd") and choice == 5:
                return AT_FDCWD & MASK64
            return rng.choice((-1 & MASK64, 3, 1023, 4096, 0x7FFFFFFF, 1 << 32 | 1))
        if name in SIZE_NAMES:
            return rng.choice(SIZES)
        if name in ADDRESS_NAMES or (name == "arg2" and nr_name == "arch_prctl"):
            return self._pointer() & ~4095 if rng.randrange(3) else self._pointer()
        if name in ("pid", "who", "pgid", "upid"):
            return rng.choice((0, self.task.pid, self.victim.pid, -1 & MASK64, 99999, rng.getrandbits(32)))
        if "flag" in name or name in ("mode", "prot", "options", "cmd", "how", "which", "whence", "option"):
            return rng.choice((0, rng.getrandbits(rng.choice((4, 12, 32, 64))), 1 << rng.randrange(32)))
        return rng.choice(INTS) if rng.randrange(2) else rng.getrandbits(64)

    def _generate(self) -> tuple[str, list[int]]:
        rng = self.rng
        if rng.randrange(50) == 0:  # numbers past the table and negative ones
            nr = rng.choice((len(self.machine.kernel.table) + rng.randrange(100), -1 & MASK64, 1 << 32 | 39))
            return f"syscall({nr:#x})", [nr, *(rng.getrandbits(64) for _ in range(6))]
        entry = rng.choice(self.calls)
        if entry.name in SPAWNING and self._children() >= MAX_CHILDREN:  # reap one instead, if any has ended
            return "wait4(-1, 0, WNOHANG|__WALL, 0)", [self.numbers["wait4"], -1 & MASK64, 0, REAP, 0, 0, 0]
        try:
            # clone's always: a random exit signal would kill the fuzzer when the child ends, as on Linux.
            shaped = self._shaped(entry.name) if entry.name in SPAWNING or rng.randrange(2) else None
        except (ValueError, OutOfMemory):  # a call unmapped the scratch area, or RAM is full: random words then
            shaped = None
        if shaped is not None:
            return f"{entry.name}({', '.join(hex(a) for a in shaped)})", [entry.number, *shaped]
        proto = self.prototypes.get(entry.entry_point)
        params = [q for q in proto.params if q.type not in ("void", "...")] if proto else []
        args = [self._arg(q, entry.name) for q in params[:6]]
        args += [rng.getrandbits(64) for _ in range(6 - len(args))]
        args = self.locks.reshape(entry.name, self.task.mm, sorted(self.task.files.fds), args)
        shown = ", ".join(hex(a) for a in args[: len(params)])
        return f"{entry.name}({shown})", [entry.number, *args]

    def _shaped(self, name: str) -> list[int] | None:
        """Well-formed arguments for the calls threads and shared memory are made of (fuzzshapes.py)."""
        mm, shaper = self.task.mm, self.shaper
        if name == "clone":
            return shaper.clone()
        if name == "clone3":
            return shaper.clone3(mm)
        if name == "futex":
            return shaper.futex(mm)
        if name == "futex_waitv":
            return shaper.futex_waitv(mm)
        if name == "mmap":
            return shaper.mmap_shared(sorted(self.task.files.fds))
        if name in FILE_CALLS:
            return self.file_calls.shape(name, mm, sorted(self.task.files.fds))
        if name in SOCKET_CALLS:
            fds = self.task.files.fds
            sockets = sorted(fd for fd, (f, _) in fds.items() if isinstance(f.inode, UnixSocket))
            return self.socket_shaper.shape(name, mm, sockets, sorted(fds), self.task.pid)
        if name in CRED_CALLS:
            return self.creds.shaped(name, self.task, self.victim.pid, self.paths)
        if name in TIMER_SHAPED:
            return self.timer_shapes.shaped(name, mm, self.task)
        return None

    def _file(self) -> Regular | None:
        """The regular file the file steps map, on descriptor 3: put back there (as at boot) if a call closed or
        replaced it; None if the descriptor limit or RAM leaves no room for it."""
        task, mapped = self.task, self.mapped
        held = task.files.fds.get(FILE_FD)
        if held is None or held[0] is not mapped:
            if task.nofile() <= FILE_FD:
                return None
            try:
                task.files.put(FILE_FD, mapped, False)
            except Errno:
                return None
        return mapped.inode if isinstance(mapped.inode, Regular) else None

    def _children(self) -> int:
        """Threads and processes of the machine the fuzzer made (every task but it and the victim)."""
        return len(self.machine.tasks) - 2

    # -- the loop --

    def _next(self) -> None:
        current = self.machine.current
        if current is not None and current is not self.task:
            self._child_next(current)
            return
        if self.last.startswith("mmap(") and len(self.words) == 7:
            self.shaper.mapped(self.words[1:], self.machine.cpu.reg(x86.UC_X86_REG_RAX))
        if self.index:
            problems = self.check()
            touch, self.touch = self.touch, None
            if touch is not None and (wrong := verify(touch, self.machine.cpu.reg(x86.UC_X86_REG_RAX))):
                problems.append(wrong)
            for problem in problems:
                self._violation(problem)
            self.broken = self.broken or bool(problems)
        self.timed = timer_signals(self.task)
        if self.index >= self.count or self.broken:  # done, or the state is suspect: a fresh machine
            self._write([abi_exit_group(self.machine), 0, 0, 0, 0, 0, 0])
            self.last = "exit_group(0)"
            self.words = []
            return
        if self.files and self.index and self.file_rng.randrange(EVERY) == 0 and (file := self._file()) is not None:
            may_touch = not self._forged_handler()  # a forged handler would catch the fault a touch may raise
            self.last, words, self.touch = self.file_steps.step(self.task.mm, file, may_touch=may_touch)
            self.words = [*words, *[0] * (7 - len(words))]
            self.report.file_steps += 1
            self.report.touches += self.touch is not None
            self._write(self.words)
            return
        self.last, words = self._generate()
        self.words = words
        name = self.last.split("(", 1)[0]
        self.report.by_name[name] = self.report.by_name.get(name, 0) + 1
        self._write(words)
        self.index += 1

    def _child_next(self, task: Task) -> None:
        """A thread or process the fuzzer created reached the loop: a few calls of its own, then it exits.

        Futex wakes and 1 ms waits on the fuzzer's words (the other side of its
        waits and wakes), and calls that only read; never one that blocks for
        good, so a vfork parent always gets its child's end. A thread ends
        with exit, a process with exit_group. The slot a thread shares with
        the fuzzer is safe to write: the thread loads it right after this hook.
        """
        rng = self.child_rng
        left = self.budgets.setdefault(task, rng.randrange(CHILD_CALLS + 1))
        if left == 0:
            name = "exit" if task.group is self.task.group else "exit_group"
            words = [self.numbers[name], 0]
        else:
            self.budgets[task] = left - 1
            self.report.child_calls += 1
            word = self.shaper.futex_word()
            private = FUTEX_PRIVATE_FLAG if rng.randrange(2) else 0
            words = rng.choice((
                [self.numbers["futex"], word, FUTEX_WAKE | private, 0x7FFFFFFF, 0, 0, 0],
                [self.numbers["futex"], word, FUTEX_WAIT | private, 0, self.shaper.layout.timeout, 0, 0],
                [self.numbers["getpid"]], [self.numbers["gettid"]], [self.numbers["sched_yield"]],
                [self.numbers["flock"], *self.child_locks.flock_call([], blocking=False)],
                self._child_lock(task),
            ))  # fmt: skip
        self._write([*words, *[0] * (7 - len(words))], task)

    def _child_lock(self, task: Task) -> list[int]:
        """A child's non-blocking fcntl lock command on the fuzzer's file; getpid if its scratch area is gone."""
        try:
            return [self.numbers["fcntl"], *self.child_locks.fcntl(task.mm, [], blocking=False)]
        except (ValueError, OutOfMemory):
            return [self.numbers["getpid"]]

    def _write(self, words: list[int], task: Task | None = None) -> None:
        # Past the page protections, as the host may: a call may have made the slot read-only.
        # ValueError: the call unmapped the slot; the loop's next load faults, and run() sees why.
        with contextlib.suppress(ValueError):
            (task or self.task).mm.poke(self.slot, struct.pack("<7Q", *(w & MASK64 for w in words)))

    def _hit_own_program(self) -> bool:
        """Whether the last call unmapped, replaced or re-protected part of the fuzzer's own program.

        Linux kills a process that does that to itself (munmap(0, 2 GiB) takes
        the code with it); that death is the kernel being right, not a violation.
        """
        if len(self.words) < 5:
            return False
        name = self.last.split("(", 1)[0]
        addr, length, flags = self.words[1], self.words[2], self.words[4]
        if name not in ("munmap", "mprotect") and not (name == "mmap" and flags & MAP_FIXED):
            return False
        lo, hi = self.own
        return addr < hi and addr + length > lo

    def _forged_handler(self) -> bool:
        """Whether the fuzzer had installed a handler: the signal its children's ends send (SIGCHLD), or any
        other, runs it at the random address it gave, and the fault kills the process, as on Linux."""
        return any(a.handler not in (SIG_DFL, SIG_IGN) for a in self.task.sighand.actions[1:])

    def _violation(self, problem: str) -> None:
        self.report.violations.append(Violation(self.index, self.last, problem))

    def run(self) -> Report:
        start = time.perf_counter()
        try:
            self._boot()
            while True:
                try:
                    self.machine.run_until(lambda: self.task.status is not None, 600.0)
                except Deadlock:
                    self._interrupt()
                    continue
                except Exception as exc:  # the host raised: report, and go on with a fresh machine
                    self._violation(f"host exception {type(exc).__name__}: {exc}")
                    self.broken = True
                status = self.task.status
                # SIGPIPE (a pipe without readers), SIGXFSZ (past a RLIMIT_FSIZE it set): as Linux does
                if status is not None and status.signal not in (None, SIGPIPE, SIGXFSZ):
                    if self.touch is not None and status.signal == self.touch.fault:
                        self.report.touch_faults += 1
                    elif self._hit_own_program():
                        self.report.self_unmapped += 1
                    elif self._forged_handler():
                        self.report.handler_deaths += 1
                    elif killed_by_own_timer(status.signal, self.timed, self.last):
                        self.report.timer_deaths += 1
                    else:
                        self._violation(f"the fuzzing process was killed: {status.detail}")
                if self.index >= self.count:
                    break
                self._restart()
        finally:
            self.report.calls = min(self.index, self.count)
            self.report.seconds = time.perf_counter() - start
            if hasattr(self, "machine"):
                self.machine.kill_all()
                os.close(self._null)
        return self.report

    def _restart(self) -> None:
        done, count = self.index, self.count
        self.machine.kill_all()
        os.close(self._null)
        self._boot()
        self.index = done
        self.count = count
        self.broken = False

    def _interrupt(self) -> None:
        """The call blocked and nothing can wake it: end it with -EINTR, as a signal would."""
        task = self.task
        sleep = task.sleep
        if sleep is None:
            raise Deadlock("the fuzzing process is not the one asleep")
        error = sleep.on_interrupt() if sleep.on_interrupt is not None else None  # nanosleep's rem, ...
        _Q.pack_into(self.machine.ram.mem, task.regs_pa + abi.PT_OFFSET["ax"], -(error or EINTR) & MASK64)
        if task.signals.saved_mask is not None:  # ppoll, pselect6, sigsuspend: their mask goes, as after a handler
            signals.set_blocked(task, task.signals.saved_mask)
            task.signals.saved_mask = None
        task.sleep = Sleep(lambda: True, restart=False)
        self.report.interrupted += 1

    # -- the checks --

    def _kernel_frames(self) -> Iterator[int]:
        """Every frame the kernel half maps, and the tables that map it."""
        mem = self.machine.ram.mem
        kmm = self.machine.kmm

        def walk(table: int, level: int) -> Iterator[int]:
            yield table
            for entry in _TABLE.unpack_from(mem, table):
                if entry & PTE_P:
                    yield from ([entry & PTE_ADDR] if level == 0 else walk(entry & PTE_ADDR, level - 1))

        for entry in _TABLE.unpack_from(mem, kmm.cr3)[KERNEL_HALF:]:
            if entry & PTE_P:
                yield from walk(entry & PTE_ADDR, 2)

    def _kernel_readonly(self) -> list[int]:
        kernel = self.machine.kernel
        frames = []
        for seg in kernel.image.segments:
            if not seg.write:
                for va in range(seg.vaddr, seg.vaddr + seg.memsz, abi.PAGE_SIZE):
                    frames.append(self.machine.kmm.kernel_frame(va) & PTE_ADDR)
        return frames

    def _digest_kernel(self) -> bytes:
        mem, h = self.machine.ram.mem, hashlib.sha1(usedforsecurity=False)
        for pa in self.kernel_ro:
            h.update(mem[pa : pa + abi.PAGE_SIZE])
        return h.digest()

    def _entries(self, table: int) -> list[tuple[int, int]]:
        """(slot, entry) of the non-zero entries of one table, parsed again only when its bytes change."""
        raw = bytes(self.machine.ram.mem[table : table + abi.PAGE_SIZE])
        cached = self._tables.get(table)
        if cached is not None and cached[0] == raw:
            return cached[1]
        entries = [(slot, entry) for slot, entry in enumerate(_TABLE.unpack(raw)) if entry]
        self._tables[table] = (raw, entries)
        return entries

    def _user_pages(self, task: Task) -> tuple[dict[int, int], set[int]]:
        """(va -> leaf entry, page-table frames) of `task`'s user half, walked once per check."""
        walked = self._walked.get(task.mm.cr3)
        if walked is None:
            walked = self._walked[task.mm.cr3] = self._walk_user_pages(task)
        return walked

    def _walk_user_pages(self, task: Task) -> tuple[dict[int, int], set[int]]:
        leaves: dict[int, int] = {}
        tables: set[int] = {task.mm.cr3}

        def walk(table: int, level: int, base: int) -> None:
            for slot, entry in self._entries(table):
                if level == 3 and slot >= KERNEL_HALF:
                    break
                va = base | slot << (12 + 9 * level)
                if level == 0:
                    leaves[va] = entry
                elif entry & PTE_P:
                    tables.add(entry & PTE_ADDR)
                    walk(entry & PTE_ADDR, level - 1, va)

        walk(task.mm.cr3, 3, 0)
        return leaves, tables

    def _victim_state(self) -> tuple[object, ...]:
        victim = self.victim
        leaves, tables = self._user_pages(victim)
        mem, h = self.machine.ram.mem, hashlib.sha1(usedforsecurity=False)
        frames = set()
        shared = set(self.machine.vdso_frames) | {self.machine.vvar_frame}  # vvar: rewritten every time slice
        for va in sorted(leaves):
            pa = leaves[va] & PTE_ADDR
            if pa in shared:
                continue
            h.update(_Q.pack(va) + mem[pa : pa + abi.PAGE_SIZE])
            if not self.machine.ram.is_shared(pa):  # the program's page cache: read-only in both
                frames.add(pa)
        self.victim_frames = frames | tables
        vmas = tuple((v.start, v.end, v.read, v.write, v.execute, v.name) for v in victim.mm.vmas)
        fds = tuple(sorted((fd, id(f), cloexec) for fd, (f, cloexec) in victim.files.fds.items()))
        return h.digest(), vmas, fds, victim.status, victim.parent, tuple(victim.children)

    def check(self) -> list[str]:
        """Everything that must hold between two calls; each failure as one line."""
        machine, task = self.machine, self.task
        problems: list[str] = []
        if task.status is not None:
            return problems
        self._walked.clear()  # the calls since the last check changed the page tables
        mem = machine.ram.mem
        leaves, tables = self._user_pages(task)
        shared = set(machine.vdso_frames) | {machine.vvar_frame}
        mm = task.mm
        for va, entry in leaves.items():
            if not entry & PTE_P:
                continue
            pa = entry & PTE_ADDR
            where = f"user page {va:#x} -> frame {pa:#x}"
            user = bool(entry & PTE_US)
            if not user:
                problems.append(f"{where} is a supervisor page in the user half")
            if pa in shared:
                if entry & PTE_RW:
                    problems.append(f"{where}: the shared vDSO/vvar frame is writable")
                continue
            vma = mm.find_vma(va)
            if machine.ram.is_shared(pa) and entry & PTE_RW and not (vma is not None and vma.shared):
                problems.append(f"{where}: a page-cache frame, shared with other processes, is writable")
            if pa in self.kernel_frames:
                problems.append(f"{where} maps a kernel frame")
            if pa in tables:
                problems.append(f"{where} maps one of its own page tables")
            if pa in self.victim_frames:
                problems.append(f"{where} maps a frame of pid {self.victim.pid}")
            if vma is None:
                problems.append(f"{where} lies outside every area")
            elif entry & PTE_RW and not vma.write:
                problems.append(f"{where} is writable in a read-only area {vma.name or '[anon]'}")
        if bytes(mem[mm.cr3 + 8 * KERNEL_HALF : mm.cr3 + 4096]) != bytes(
            mem[machine.kmm.cr3 + 8 * KERNEL_HALF : machine.kmm.cr3 + 4096]
        ):
            problems.append("the kernel half of the process's PML4 differs from the kernel's")
        end = 0
        for vma in mm.vmas:
            if vma.start % abi.PAGE_SIZE or vma.end % abi.PAGE_SIZE or vma.start > vma.end:
                problems.append(f"area [{vma.start:#x}, {vma.end:#x}) is malformed")
            if vma.start < end:
                problems.append(f"area [{vma.start:#x}, {vma.end:#x}) overlaps the one before")
            if vma.end > abi.TASK_SIZE_MAX:
                problems.append(f"area [{vma.start:#x}, {vma.end:#x}) reaches the kernel half")
            end = max(end, vma.end)
        if self._digest_kernel() != self.kernel_ro_digest:
            problems.append("the kernel's read-only memory (text, sys_call_table) changed")
            self.kernel_ro_digest = self._digest_kernel()
        problems += self._check_files()
        problems += self._check_tree()
        problems += self._check_groups()
        problems += self._check_frames()
        problems += lock_problems(machine)
        state = self._victim_state()
        if state != self.victim_state:
            problems.append(f"pid {self.victim.pid} (the victim) changed: memory, areas, descriptors or family")
            self.victim_state = state
        return problems

    def _check_files(self) -> list[str]:
        problems = []
        holders: dict[int, int] = {}
        files = {}
        tables: set[int] = set()
        for t in self.machine.tasks.values():
            if t.status is not None or id(t.files) in tables:
                continue  # a table the threads of a process share holds each file once
            tables.add(id(t.files))
            for fd, (f, _) in t.files.fds.items():
                if not 0 <= fd < 1 << 20:
                    problems.append(f"pid {t.pid} holds descriptor {fd}")
                holders[id(f)] = holders.get(id(f), 0) + 1
                files[id(f)] = f
                if t is self.task and id(f) in self.victim_private:
                    problems.append(f"descriptor {fd} of the fuzzing process is the victim's private file")
        for key, count in files_in_flight(self.machine.unix).items():  # a message's references (SCM_RIGHTS)
            holders[key] = holders.get(key, 0) + count
        for key, f in files.items():
            if f.refs != holders[key]:
                problems.append(f"{f.path!r} has refs {f.refs} but {holders[key]} descriptors and messages")
        return problems

    def _check_tree(self) -> list[str]:
        problems = []
        tasks = self.machine.tasks
        for tid, t in tasks.items():
            if t.tid != tid:
                problems.append(f"tasks[{tid}] is tid {t.tid}")
            if t.status is None and t not in t.group.threads:
                problems.append(f"tid {tid} runs but is none of its process's threads")
            if tasks.get(t.pid) is not t.group.leader:
                problems.append(f"tid {tid}'s process leader {t.pid} is not in the table")
            if t.is_leader and t.parent is not None and (t.parent.tid not in tasks or t not in t.parent.children):
                problems.append(f"pid {tid}'s parent {t.parent.tid} does not list it")
            for child in t.children:
                if child.parent is not t or not child.is_leader:
                    problems.append(f"pid {child.pid} is a child of {tid} but names another parent")
        if self.machine.current not in (None, self.task):
            problems.append("another task is current while the fuzzer runs")
        return problems


    def _check_groups(self) -> list[str]:
        """Thread groups and the address spaces their threads share.

        Every live thread's process has its leader in the table (live, or a
        zombie waiting for the last thread); its process's list names each live
        thread once, under the leader's pid; an address space's `users` is the
        number of live tasks on it, and none of them uses one already put.
        """
        problems = []
        tasks = self.machine.tasks
        users: dict[int, int] = {}
        spaces = {}
        for tid, t in tasks.items():
            if t.status is not None:
                continue
            leader = t.group.leader
            if tasks.get(leader.tid) is not leader:
                problems.append(f"tid {tid}'s leader {leader.tid} is neither running nor a zombie")
            if t.pid != leader.tid:
                problems.append(f"tid {tid} says pid {t.pid}, its process's leader is {leader.tid}")
            users[id(t.mm)] = users.get(id(t.mm), 0) + 1
            spaces[id(t.mm)] = t.mm
        for group in {id(t.group): t.group for t in tasks.values()}.values():
            tids = [t.tid for t in group.threads]
            if len(tids) != len(set(tids)):
                problems.append(f"pid {group.pid} lists a thread twice: {sorted(tids)}")
            for t in group.threads:
                if tasks.get(t.tid) is not t or t.status is not None:
                    problems.append(f"pid {group.pid} lists thread {t.tid}, which is not running")
        dead = {id(mm) for mm in self.machine.dead_mms}
        for key, mm in spaces.items():
            if mm.users != users[key]:
                problems.append(f"an address space used by {users[key]} live tasks has users {mm.users}")
            if key in dead or mm.users <= 0:
                problems.append(f"a live task uses an address space already put (users {mm.users})")
        return problems

    def _check_frames(self) -> list[str]:
        """Each frame a live address space maps counts its holders exactly (PhysicalMemory.holders): one
        per page-table entry mapping it, in any live address space, present or not (a PROT_NONE page keeps
        its frame), and one for the object whose page it is: the shared memory object or file a mapping's
        area is backed by (kernel/shmem.py, pagecache.py): a program's segments are mappings of its file."""
        machine = self.machine
        held: Counter[int] = Counter()
        backings: dict[int, SharedAnon | Regular] = {}
        for t in {id(t.mm): t for t in machine.tasks.values() if t.status is None}.values():
            held.update(entry & PTE_ADDR for entry in self._user_pages(t)[0].values())
            for vma in t.mm.vmas:
                if isinstance(vma.backing, (SharedAnon, Regular)):
                    backings[id(vma.backing)] = vma.backing
        mapped = set(held)
        for backing in backings.values():
            held.update((backing.frames if isinstance(backing, SharedAnon) else backing.pages.frames).values())
        problems = []
        # Kernel-owned pages no mapping holds: the vDSO, the machine's vvar page and each time namespace's own
        # (kernel/timens.py: the namespace frees it), which a fork into the namespace maps in parent and child.
        skip = set(machine.vdso_frames) | {machine.vvar_frame}
        skip |= {vvar_frame_of(machine, ns) for t in machine.tasks.values() if t.status is None
                 for ns in (t.nsproxy.time, t.nsproxy.time_for_children)}  # fmt: skip
        holders = machine.ram.holders
        for frame in mapped - skip:
            if holders(frame) != held[frame]:
                problems.append(f"frame {frame:#x} counts {holders(frame)} holders, {held[frame]} hold it")
        return problems


def abi_exit_group(machine: Machine) -> int:
    return next(e.number for e in machine.kernel.table if e.name == "exit_group")


def describe(report: Report, emit: Callable[[str], None], options: str = "") -> None:
    """The violations, each with its reproducer (`options`: the run's own, its limits), then the summary line."""
    for v in report.violations:
        emit(f"violation at call {v.index} ({v.call}): {v.problem}\n"
             f"  reproduce: syscalltbl fuzz --seed {report.seed} --count {v.index}{options}")
    emit(f"syscalltbl fuzz: {report.calls} calls in {report.seconds:.1f} s ({report.rate:,.0f} calls/s), "
         f"{len(report.by_name)} distinct calls, {report.interrupted} interrupted, "
         f"{report.self_unmapped} unmapped the fuzzer itself, {report.handler_deaths} killed running a forged handler, "
         f"{report.timer_deaths} killed by their own timers, "
         f"{report.child_calls} calls by its threads and children, "
         f"{report.file_steps} file-mapping steps ({report.touches} touches, "
         f"{report.touch_faults} faulting as predicted), "
         f"{len(report.violations)} violations (seed {report.seed})")
