"""The emulated x86-64 machine: boot, the syscall path's two hooks, faults, and tasks.

A system call from ring 3 crosses into Python twice, each time with no more
than two libunicorn calls:

1. `syscall` hook (Unicorn performs no ring switch): store the next RIP for
   the stand-in microcode and resume at the call-gate trampoline (1 register
   read, 1 register write). From there the emulated cpu does everything:
   gate -> syscall_microcode -> entry_SYSCALL_64 -> do_syscall_64 ->
   sys_call_table[nr] -> a generated stub.
2. Stubs of Python-implemented calls jump to one trap address; its code hook
   reads the arguments from pt_regs in RAM and writes the result to
   regs->ax in RAM (no register calls). sysretq then runs emulated.

`int $0x80` (the i386 numbering, as on Linux with IA32_EMULATION) takes the
same shape off the hot path: the interrupt hook resumes at a second call-gate
trampoline (gate -> int80_microcode -> entry_INT80_compat ->
do_int80_syscall_32 -> ia32_sys_call_table[nr]), its Python stubs trap at
their own address, whose hook reads ebx, ecx, edx, esi, edi, ebp; iretq
returns.

Tasks switch only inside the kernel, as in xv6: when one sleeps or exits the
cpu stops on the trap, and the scheduler loop picks the next runnable task
and resumes it where it stopped (see wait.py).
"""

from __future__ import annotations

import contextlib
import os
import stat
import struct
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, cast

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw import gdt
from syscalltbl.machine.hw.cpu import Cpu
from syscalltbl.machine.hw.fpu import INITIAL, FpuRegisters
from syscalltbl.machine.hw.paging import PTE_P, AddressSpace
from syscalltbl.machine.hw.physmem import OutOfMemory, PhysicalMemory
from syscalltbl.machine.image.elfimage import BadExecutable, Image, read_image
from syscalltbl.machine.image.kbuild import Kernel, build_kernel
from syscalltbl.machine.kernel import faults, signals
from syscalltbl.machine.kernel.devices import CharDevice, Driver
from syscalltbl.machine.kernel.faults import DEBUG, PAGE_FAULT, TRAP_SIGNALS
from syscalltbl.machine.kernel.mm import VDSO_BASE, VVAR_BASE, Mm
from syscalltbl.machine.kernel.process import ExitStatus, Task, signame
from syscalltbl.machine.kernel.procfs import ProcRoot
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.vdso import build_vdso, write_sample
from syscalltbl.machine.kernel.vfs import Directory, FileSystem, HostFile, OpenFile, Regular
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.project import load as load_project
from syscalltbl.machine.syscalls import REGISTRY, Handler, TableEntry, Tracer, bind, unimplemented
from syscalltbl.machine.uapi.errno import EACCES, ENOEXEC, ENOMEM, Errno
from syscalltbl.machine.uapi.signal import (  # fmt: skip
    CLD_EXITED,
    CLD_KILLED,
    SA_NOCLDWAIT,
    SI_USER,
    SIG_IGN,
    SIGCHLD,
    SIGKILL,
    SIGSEGV,
)
from syscalltbl.tables.target import X86_64Target
from syscalltbl.tables.target import default as default_target

CR0 = abi.CR0_PE | abi.CR0_MP | abi.CR0_ET | abi.CR0_NE | abi.CR0_WP | abi.CR0_AM | abi.CR0_PG
CR4 = abi.CR4_PAE | abi.CR4_PGE | abi.CR4_OSFXSR | abi.CR4_OSXMMEXCPT
EFER = abi.EFER_LME | abi.EFER_LMA | abi.EFER_NX  # startup_64 adds SCE, as head_64.S does
SYSCALL_INSN_LEN = 2
MASK64 = (1 << 64) - 1
M32 = (1 << 32) - 1
# pt_regs names -> the cpu's registers, for a context taken straight from ring 3.
USER_REGS: Mapping[str, int] = {name: getattr(x86, f"UC_X86_REG_{reg}") for name, reg in (
    ("r8", "R8"), ("r9", "R9"), ("r10", "R10"), ("r11", "R11"), ("r12", "R12"), ("r13", "R13"),
    ("r14", "R14"), ("r15", "R15"), ("di", "RDI"), ("si", "RSI"), ("bp", "RBP"), ("bx", "RBX"),
    ("dx", "RDX"), ("ax", "RAX"), ("cx", "RCX"), ("sp", "RSP"), ("ip", "RIP"), ("flags", "EFLAGS"))}

_Q = struct.Struct("<Q")
# pt_regs from ->r10 to ->orig_ax: every argument register and the number.
_ARGS = struct.Struct("<9Q")
# pt_regs from ->bp to ->orig_ax: the i386 argument registers and the number.
_ARGS32 = struct.Struct("<12Q")


def _drop_page_cache(ram: weakref.ref[PhysicalMemory], page_cache: dict[int, int]) -> None:
    """The cache lets go of a file's frames; processes still mapping one keep it."""
    memory = ram()
    if memory is not None:
        for frame in page_cache.values():
            memory.free(frame)
    page_cache.clear()


class Observer(Protocol):
    def signal(self, task: Task, sig: int, info: bytes) -> None: ...
    def exited(self, task: Task, status: ExitStatus) -> None: ...


class KernelOops(RuntimeError):
    """The emulated kernel faulted: a bug in generated code or the runtime."""


class Deadlock(RuntimeError):
    """Every remaining task sleeps and nothing can wake one."""


class Machine:
    """One cpu, its RAM, a kernel built from the x86-64 syscall table, and its tasks."""

    def __init__(
        self,
        *,
        target: X86_64Target | None = None,
        handlers: Mapping[str, Handler] | None = None,
        syscall_mask: Sequence[str] = abi.LINUX_SYSCALL_MASK,
        ram_size: int = 256 << 20,
        stdio: tuple[int, int, int] = (0, 1, 2),
        root: str | os.PathLike[str] | None = None,
        tracer: Tracer | None = None,
        ia32_emulation: bool = True,
        devices: Mapping[str, Driver] | None = None,
    ) -> None:
        """`target` is what the kernel is built from (default: syscalltbl's own tables);
        its project's syscalls/*.py and devices/*.py are bound and created too.

        `handlers` adds or replaces implementations (entry point -> function).

        `ia32_emulation=False` is Linux's boot option of that name: int $0x80
        then has no IDT entry for user mode and is a #GP (SIGSEGV).

        `devices` adds character devices, /dev/NAME -> driver, to those of
        the project's devices/*.py.

        With a `tracer` every table entry goes through Python (holes answer
        -ENOSYS there instead of in assembly), so the tracer sees each call.
        """
        self.target = target or default_target()
        project = load_project(self.target)
        self.handlers: dict[str, Handler] = {**REGISTRY, **project.handlers, **(handlers or {})}
        self.kernel: Kernel = build_kernel(self.target, self.handlers, syscall_mask, trace_all=tracer is not None)
        drivers = {name: cls() for name, cls in project.drivers.items()}
        # Bound once, here: entry point -> function, through the generated table.
        self.dispatch = bind(self.kernel.table, self.handlers, tracer)
        # The same functions by entry point, for int $0x80's numbering.
        self.ia32_dispatch = bind(self.kernel.ia32_table, self.handlers, tracer)
        self.stdio = stdio
        self.ia32_emulation = ia32_emulation
        self.fs = FileSystem(root, proc=lambda parent: ProcRoot(parent, self))
        self.host_root = None if root is None else os.path.realpath(root)
        for minor, (name, driver) in enumerate(sorted({**drivers, **(devices or {})}.items())):
            self.fs.add_device(name.encode(), CharDevice(driver, minor))
        self.cpu = Cpu()
        self.ram = PhysicalMemory(self.cpu, ram_size)
        self.kmm = AddressSpace(self.ram)
        self.current: Task | None = None
        self.fpu = FpuRegisters(self.cpu)
        #: When every task sleeps longer than this (seconds), say Deadlock instead of waiting (the fuzzer's).
        self.longest_sleep: float | None = None
        #: Told of each signal delivered and each process's end (strace's --- and +++ lines).
        self.observer: Observer | None = None
        self.fpu_owner: Task | None = None  # whose x87/SSE registers the cpu holds
        self._images: weakref.WeakKeyDictionary[Regular, tuple[tuple[int, int, int], Image, dict[int, int]]] = (
            weakref.WeakKeyDictionary()
        )
        self.tasks: dict[int, Task] = {}
        self._last_pid = 0
        self._dead_mms: list[Mm] = []
        self._dead_tasks: list[Task] = []
        self._load_kernel()
        self._boot()
        self._load_vdso()
        self.cpu.snapshot_clean_state()
        self._install_hooks()
        sym = self.kernel.symbol
        self.resume_fresh = sym("syscall_return_to_user")
        self.resume_restart = sym("__x64_python_trap")
        self.resume_done = sym("__x64_python_return")
        self.resume_ia32 = sym("__ia32_python_trap")
        self.fault_gate = sym("fault_gate_trampoline")
        self.fault_next_rip_pa = self._kpa("fault_next_rip")
        self.fatal_halted = sym("exc_fatal_halted")
        self.gate_microcode = frozenset(map(sym, ("syscall_microcode", "int80_microcode", "fault_microcode")))

    @property
    def last_pid(self) -> int:
        return self._last_pid

    def unimplemented(self) -> list[TableEntry]:
        return unimplemented(self.kernel.table, self.handlers)

    # -- boot --

    def _kpa(self, symbol: str) -> int:
        return self.kmm.kernel_frame(self.kernel.symbol(symbol))

    def _load_kernel(self) -> None:
        for seg in self.kernel.image.segments:
            user = seg.vaddr == abi.GATE_PAGE  # the only page ring 3 may touch
            pages = (seg.memsz + abi.PAGE_SIZE - 1) // abi.PAGE_SIZE
            pa = self.ram.alloc(pages)
            for i in range(pages):
                va = seg.vaddr + i * abi.PAGE_SIZE
                self.kmm.map(va, pa + i * abi.PAGE_SIZE, user=user, write=seg.write, execute=seg.execute)
            self.ram.write(pa, seg.data)

    def _boot(self) -> None:
        cpu, sym = self.cpu, self.kernel.symbol
        percpu, gdt_base = sym("__per_cpu_start"), sym("gdt_page")
        self.ram.write(
            self._kpa("gdt_page"),
            gdt.build_gdt(
                percpu + abi.PCPU_TSS, sym("syscall_microcode"), sym("int80_microcode"), sym("fault_microcode")
            ),
        )
        self.ram.write(self._kpa("__per_cpu_start") + abi.PCPU_TSS, gdt.build_tss(0))
        self.gdt_base = gdt_base
        cpu.set_descriptor_table(x86.UC_X86_REG_GDTR, gdt_base, 8 * abi.FAULT_GATE_ENTRY - 1)  # see _enter_fatal_fault
        # ltr marks the TSS busy: present, DPL 0, type 0xB (busy 64-bit TSS).
        cpu.set_segment(x86.UC_X86_REG_TR, abi.TSS_SEL, percpu + abi.PCPU_TSS, abi.TSS_SIZE - 1, 0x8B00)
        cpu.set_reg(x86.UC_X86_REG_CR3, self.kmm.cr3)
        cpu.set_reg(x86.UC_X86_REG_CR4, CR4)
        cpu.set_msr(abi.MSR_EFER, EFER)
        cpu.set_reg(x86.UC_X86_REG_CR0, CR0)
        cpu.set_reg(x86.UC_X86_REG_CS, abi.KERNEL_CS)
        cpu.set_reg(x86.UC_X86_REG_SS, abi.KERNEL_DS)
        cpu.set_msr(abi.MSR_GS_BASE, percpu)
        cpu.set_reg(x86.UC_X86_REG_RSP, sym("boot_stack_top"))
        cpu.run(sym("startup_64"))  # stops at its hlt
        if not cpu.msr(abi.MSR_EFER) & abi.EFER_SCE or cpu.msr(abi.MSR_LSTAR) != sym("entry_SYSCALL_64"):
            raise KernelOops("startup_64 did not enable system calls")

    def _load_vdso(self) -> None:
        self.vdso = build_vdso(list(self.kernel.syscalls), "syscall_64.tbl")
        self.vdso_frames = [self.ram.alloc() for _ in range(self.vdso.pages)]
        for i, frame in enumerate(self.vdso_frames):
            self.ram.write(frame, self.vdso.data[i * abi.PAGE_SIZE : (i + 1) * abi.PAGE_SIZE])
        self.vvar_frame = self.ram.alloc()
        self.ram.write(self.vvar_frame, bytes(abi.PAGE_SIZE))
        write_sample(self.ram.mem, self.vvar_frame)

    def _exec(
        self,
        task: Task,
        image: Image,
        argv: Sequence[bytes],
        envp: Sequence[bytes],
        page_cache: dict[int, int] | None = None,
    ) -> None:
        """Load `image` into the task's (new) address space, with the vDSO and vvar pages."""
        task.mm.map_shared(VVAR_BASE, [self.vvar_frame], "[vvar]")
        task.mm.map_shared(VDSO_BASE, self.vdso_frames, "[vdso]")
        task.exec(image, argv, envp, vdso=VDSO_BASE, page_cache=page_cache)

    # -- the hot path --

    def _install_hooks(self) -> None:
        cpu, mem, sym, ram = self.cpu, self.ram.mem, self.kernel.symbol, self.ram
        next_rip_pa = self._kpa("syscall_next_rip")
        resume = sym("syscall_gate_trampoline") - SYSCALL_INSN_LEN  # Unicorn then adds the length
        read_rip = cpu.reg_reader(x86.UC_X86_REG_RIP)
        write_rip = cpu.reg_writer(x86.UC_X86_REG_RIP)
        pack_q, args = _Q.pack_into, _ARGS.unpack_from
        dispatch = self.dispatch
        stop = cpu.stop
        r10_off, ax_off = abi.PT_OFFSET["r10"], abi.PT_OFFSET["ax"]

        def on_syscall() -> None:
            pack_q(mem, next_rip_pa, read_rip() + SYSCALL_INSN_LEN)
            write_rip(resume)

        def on_python_syscall() -> None:
            task = self.current
            assert task is not None
            regs = task.regs_pa
            r10, r9, r8, _ax, _cx, dx, si, di, orig_ax = args(mem, regs + r10_off)
            try:
                # do_syscall_64 indexed the table with (unsigned int)nr; so do we.
                ret = dispatch[orig_ax & 0xFFFFFFFF](task, di, si, dx, r10, r8, r9)
            except Errno as exc:
                ret = -exc.errno
            except Sleep as sleep:
                task.sleep = sleep  # parked on this trap: the call runs again on wake-up
                stop()
                return
            pack_q(mem, regs + ax_off, ret & MASK64)
            if task.sigpending or ram.stale_code:
                self._exit_work(task)

        cpu.on_syscall(on_syscall)
        cpu.on_code(sym("__x64_python_trap"), on_python_syscall)
        self._install_int80_hooks()
        cpu.on_invalid_insn(self._on_exception)  # as #UD, vector 6
        cpu.on_port_io(self._on_port_io)

    def _install_int80_hooks(self) -> None:
        """int $0x80: the interrupt hook's ring switch and the ia32 Python trap."""
        cpu, mem, sym, ram = self.cpu, self.ram.mem, self.kernel.symbol, self.ram
        next_rip_pa = self._kpa("int80_next_rip")
        trampoline = sym("int80_gate_trampoline")
        trap = sym("__ia32_python_trap")
        read_rip = cpu.reg_reader(x86.UC_X86_REG_RIP)
        write_rip = cpu.reg_writer(x86.UC_X86_REG_RIP)
        pack_q, args = _Q.pack_into, _ARGS32.unpack_from
        dispatch = self.ia32_dispatch
        stop = cpu.stop
        bp_off, ax_off = abi.PT_OFFSET["bp"], abi.PT_OFFSET["ax"]

        def on_interrupt(vector: int) -> None:
            # Unicorn has already moved RIP past the 2-byte `int`, as the
            # return address an interrupt gate pushes (no length to add).
            user = self.current is not None and cpu.cpl() == 3
            if vector == abi.IA32_SYSCALL_VECTOR and self.ia32_emulation and user:
                pack_q(mem, next_rip_pa, read_rip())
                write_rip(trampoline)
                return
            # A vector without a user-accessible IDT entry: #GP, as the cpu raises.
            self._on_exception(13 if vector == abi.IA32_SYSCALL_VECTOR else vector)

        def on_ia32_syscall() -> None:
            task = self.current
            assert task is not None
            regs = task.regs_pa
            bp, bx, _r11, _r10, _r9, _r8, _ax, cx, dx, si, di, orig_ax = args(mem, regs + bp_off)
            try:
                # do_int80_syscall_32 bounds-checked orig_ax; the i386 ABI's
                # arguments are 32-bit registers, zero-extended.
                ret = dispatch[orig_ax](task, bx & M32, cx & M32, dx & M32, si & M32, di & M32, bp & M32)
            except Errno as exc:
                ret = -exc.errno
            except Sleep as sleep:
                task.sleep = sleep
                task.restart_trap = trap  # run again through this trap, with these registers
                stop()
                return
            pack_q(mem, regs + ax_off, ret & MASK64)
            if task.sigpending or ram.stale_code:
                self._exit_work(task)

        cpu.on_interrupt(on_interrupt)
        cpu.on_code(trap, on_ia32_syscall)

    def _exit_work(self, task: Task) -> None:
        """What a system call's return to user mode must do first, off the common path (exit_to_user_mode_loop).

        Pending signals are delivered. If the call wrote over translated code,
        the task stops with its call complete, as vfork's parent parks, and
        the scheduler flushes the translation cache before it resumes: the
        cache cannot be flushed while the cpu runs (QEMU frees the code it
        is executing).
        """
        if task.sigpending and task.status is None:
            signals.deliver(task)
        if not self.ram.stale_code:
            return
        if task.status is None and task.sleep is None:
            task.sleep = Sleep(lambda: True, restart=False)
        self.cpu.stop()

    def _on_port_io(self, _port: int) -> int:
        # Unicorn skips the I/O permission check (SDM vol. 1, 19.5); do it
        # here. Our TSS has no I/O bitmap, so CPL > IOPL means #GP.
        iopl = (self.cpu.reg(x86.UC_X86_REG_EFLAGS) >> 12) & 3
        if self.cpu.cpl() > iopl:
            # Not a QEMU exception but a hook in the middle of a translated
            # block: the block runs on after it, so no handler can be entered
            # here, and the #GP is fatal even with a SIGSEGV handler.
            self._on_exception(13, catchable=False)
        return 0xFFFFFFFF  # no devices: reads float high

    def _on_exception(self, vector: int, *, catchable: bool = True) -> None:
        rip = self.cpu.reg(x86.UC_X86_REG_RIP)
        where = f"rip={rip:#x}"
        task = self.current
        user = task is not None and self.cpu.cpl() == 3
        if vector == PAGE_FAULT:
            cr2 = self.cpu.reg(x86.UC_X86_REG_CR2)
            page = cr2 & ~(abi.PAGE_SIZE - 1)
            # Did this machine page the page in for this very instruction, which faulted again?
            refault = task is not None and task.demand_paged == (rip, page) and bool(task.mm.lookup(page) & PTE_P)
            if task is not None:
                task.demand_paged = None
            if refault and task is not None and user:
                task.mm.drop_page(page)  # Linux would never have mapped it: a denied access leaves it absent
                self.cpu.flush_tlb()
            # Demand paging: the first touch of an area's page (stack growth
            # included). Returning re-executes the faulting instruction.
            if user and task is not None and not refault and task.mm.fault_in(cr2, False):
                # Stop and re-enter at the faulting instruction: returning from
                # the hook would leave QEMU's old_exception set, and the next
                # fault would be promoted to a double fault.
                task.restart_at = rip
                task.demand_paged = (rip, page)
                self.cpu.stop()
                return
            where += f" addr={cr2:#x}"
        if vector == DEBUG and not user and rip in self.gate_microcode:
            # A single-step trap right after the far call of a user with TF set: the
            # syscall instruction would have masked TF. The flag is dropped, not
            # restored on return: single-stepping ends at a system call.
            flags = self.cpu.reg(x86.UC_X86_REG_EFLAGS)
            self.cpu.set_reg(x86.UC_X86_REG_EFLAGS, flags & ~abi.X86_EFLAGS["X86_EFLAGS_TF"])
            return
        if task is None or not user:
            raise KernelOops(f"exception {vector} in ring 0 at {where}")
        signal = TRAP_SIGNALS.get(vector, SIGSEGV)
        if vector == PAGE_FAULT:
            info = faults.page_fault_info(task.mm, signal, cr2)
            err = faults.page_fault_error_code(task.mm, cr2, rip, self._user_register, absent=refault)
        else:
            info, err, cr2 = faults.trap_info(signal, vector, rip), 0, 0
        if catchable and signals.fault(task, signal, info, vector, err, cr2):
            # Into the handler, still in ring 3: as after a served page fault,
            # only QEMU's record of this exception has to go.
            task.restart_at, task.restart_vector = self.cpu.reg(x86.UC_X86_REG_RIP), vector
            self.cpu.stop()
            return
        task.kill(signal, f"{signame(signal)} (exception {vector}) at {where}")
        task.restart_vector = vector  # its record goes as the cpu leaves ring 3 (_enter_fatal_fault)

    def _user_register(self, name: str) -> int:
        """A ring-3 register by capstone's name for it (rax, r8d, fs_base, ...)."""
        return self.cpu.reg(getattr(x86, f"UC_X86_REG_{name.upper()}"))

    def user_registers(self) -> dict[str, int]:
        """The running task's registers while the cpu is stopped in ring 3 (on a fault)."""
        return {name: self.cpu.reg(regid) for name, regid in USER_REGS.items()}

    def set_user_registers(self, regs: dict[str, int]) -> None:
        for name, regid in USER_REGS.items():
            self.cpu.set_reg(regid, regs[name])

    # -- processes --

    def spawn(self, parent: Task | None = None, mm: Mm | None = None) -> Task:
        """A new task with its kernel stack and `mm`, else an empty address space.

        OutOfMemory if RAM runs out, with the stack and `mm` given back.
        """
        self._last_pid += 1
        pid = self._last_pid
        # One THREAD_SIZE stack per pid, each above an unmapped guard page.
        top = abi.KSTACK_BASE + pid * (abi.THREAD_SIZE + abi.PAGE_SIZE)
        if mm is None:
            mm = Mm(self.ram, self.kmm)  # first: nothing to give back if its page directory does not fit
        # Page by page, as vmalloc'd stacks are: after many forks the free frames
        # are scattered, and a contiguous run would need RAM never used before.
        for va in range(top - abi.THREAD_SIZE, top, abi.PAGE_SIZE):
            frame = 0
            try:
                frame = self.ram.alloc()
                self.kmm.map(va, frame, user=False, write=True, execute=False)
            except OutOfMemory:
                if frame:
                    self.ram.free(frame)  # allocated, but no table to map it in
                self._free_stack_pages(top)
                mm.destroy()
                raise
        # pt_regs at the top of the last page.
        task = Task(self, pid, parent, mm, top, frame + abi.PAGE_SIZE - abi.PT_REGS_SIZE)
        if parent is not None:
            parent.children.append(task)
        self.tasks[pid] = task
        return task

    def _free_kernel_stack(self, task: Task) -> None:
        self._free_stack_pages(task.kstack_top)

    def _free_stack_pages(self, top: int) -> None:
        for va in range(top - abi.THREAD_SIZE, top, abi.PAGE_SIZE):
            frame = self.kmm.unmap(va)
            if frame is not None:
                self.ram.free(frame)

    def fork(self, parent: Task) -> Task:
        """A copy of the running `parent` that returns 0 from the same system call.

        ENOMEM when RAM cannot hold the copy (this kernel copies every private
        page at fork, where Linux would share them until written).
        """
        try:
            child = self.spawn(parent, parent.mm.copy())
        except OutOfMemory:
            raise Errno(ENOMEM) from None
        child.files = parent.files.copy()
        for name in ("cwd", "exe", "comm", "arg_start", "arg_end", "umask", "nice", "uid", "euid", "gid", "egid",
                     "pgid", "sid", "dumpable"):
            setattr(child, name, getattr(parent, name))
        child.signals = parent.signals.forked()
        child.fpu = self.fpu_state(parent)
        child.rlimits = None if parent.rlimits is None else list(parent.rlimits)
        regs = parent.pt_regs()
        regs["ax"] = 0
        child.set_pt_regs(regs)
        child.fs_base = self.cpu.reg(x86.UC_X86_REG_FS_BASE)
        child.gs_base = self.cpu.msr(abi.MSR_KERNEL_GS_BASE)  # the user's, parked by swapgs
        return child

    def execve(self, task: Task, path: bytes, argv: Sequence[bytes], envp: Sequence[bytes]) -> None:
        """Replace the running task's program; it restarts at the new entry point."""
        f = self.fs.open(task, path, task.cwd, 0, 0)
        if not isinstance(f.inode, Regular) or not f.inode.mode & 0o111:
            raise Errno(EACCES)
        image, page_cache = self._image(f.inode, path)
        try:
            new = Mm(self.ram, self.kmm)
        except OutOfMemory:
            raise Errno(ENOMEM) from None
        old, task.mm = task.mm, new
        try:
            self._exec(task, image, argv, envp, page_cache)
        except (ValueError, OutOfMemory) as exc:
            task.mm.destroy()
            task.mm = old
            raise Errno(ENOMEM if isinstance(exc, OutOfMemory) else ENOEXEC) from None
        self._dead_mms.append(old)  # still in CR3 until the cpu stops
        task.exe = f.path
        task.comm = os.path.basename(path)[:15]
        task.dumpable = 1
        if task.files.users > 1:
            # unshare_files: a shared table is copied first, so close-on-exec closes only ours.
            shared, task.files = task.files, task.files.copy()
            shared.release()
        task.files.close_on_exec()
        task.signals.exec()
        self.set_fpu_state(task, INITIAL)
        task.vfork_parent = None
        self.cpu.stop()  # the scheduler resumes it fresh, on the new page tables

    def _image(self, inode: Regular, path: bytes, parsed: Image | None = None) -> tuple[Image, dict[int, int]]:
        """A file's parsed ELF and page cache (va -> frame), kept while the file is unchanged.

        A shell execs the same file all day: it is parsed once, and its
        read-only pages are loaded once and shared. The cache's frames go
        back to RAM when the file changes or is gone.
        """
        # ctime too: utimensat can put mtime back after a rewrite, but ctime moves with every change.
        key = (inode.ctime, inode.mtime, len(inode.data))
        cached = self._images.get(inode)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        try:
            image = parsed or read_image(path.decode(errors="replace"), bytes(inode.data))
        except BadExecutable:
            raise Errno(ENOEXEC) from None
        if cached is not None:
            page_cache = cached[2]
            _drop_page_cache(weakref.ref(self.ram), page_cache)
        else:
            page_cache = {}
            # Only a weak reference to RAM: the finalizer must not keep the machine alive.
            weakref.finalize(inode, _drop_page_cache, weakref.ref(self.ram), page_cache)
        self._images[inode] = (key, image, page_cache)
        return image, page_cache

    def find_program(self, name: bytes, search_path: bytes, cwd: bytes = b"/") -> tuple[bytes, bytes] | None:
        """(path, contents) of the executable `name` names in the machine, as execvp looks it up from `cwd`."""
        dirs = [b""] if b"/" in name else [d or b"." for d in search_path.split(b":")]
        for directory in dirs:
            path = os.path.join(cwd, directory, name)
            try:
                # No task yet: nothing under /proc is looked at on the way to a program.
                f = self.fs.open(cast("Task", None), path, self.fs.root, 0, 0)
            except (Errno, NotADirectoryError):
                continue
            if isinstance(f.inode, Regular) and f.inode.mode & 0o111:
                return f.path, bytes(f.inode.data)  # symbolic links followed, as /proc/self/exe shows it
        return None

    def do_exit(self, task: Task, status: ExitStatus) -> None:
        """exit, exit_group and death by signal: the task becomes a zombie."""
        if task.status is not None:
            return
        task.status = status
        if self.observer is not None:
            self.observer.exited(task, status)
        task.sleep = None
        task.files.release()
        if task.clear_child_tid:
            with contextlib.suppress(Errno):
                copy_to_user(task.mm, task.clear_child_tid, bytes(4))
        task.vfork_parent = None
        self._dead_mms.append(task.mm)
        if self.fpu_owner is task:
            self.fpu_owner = None
        for child in task.children:
            child.parent = None  # orphans: nobody waits for them
            if child.status is not None:
                self._reap(child)
            elif child.pdeath_signal:
                sig = child.pdeath_signal
                signals.send(child, sig, signals.siginfo(sig, SI_USER, task.pid))
        task.children = []
        if task.parent is None or self._notify_parent(task, status):
            self._reap(task)
        if task is self.current:
            self.cpu.stop()

    def _notify_parent(self, task: Task, status: ExitStatus) -> bool:
        """The exit signal to the parent (do_notify_parent); True when the parent asked for no zombies."""
        parent = task.parent
        assert parent is not None
        action = parent.signals.actions[SIGCHLD]
        code, value = (CLD_EXITED, status.code or 0) if status.signal is None else (CLD_KILLED, status.signal)
        sig = task.exit_signal
        if sig:
            signals.send(parent, sig, signals.siginfo(sig, code, task.pid, task.uid, value))
        return sig == SIGCHLD and (action.handler == SIG_IGN or bool(action.flags & SA_NOCLDWAIT))

    def _reap(self, task: Task) -> None:
        if task.parent is not None:
            task.parent.children.remove(task)
        self.tasks.pop(task.pid, None)
        self._dead_tasks.append(task)  # its kernel stack may be the one in use

    def reap(self, task: Task) -> None:
        """wait4 collected `task`'s status."""
        self._reap(task)

    # -- the scheduler --

    def _switch_to(self, task: Task) -> None:
        cpu = self.cpu
        self.current = task
        percpu = self._kpa("__per_cpu_start")
        _Q.pack_into(self.ram.mem, percpu + abi.PCPU_TOP_OF_STACK, task.kstack_top)
        _Q.pack_into(self.ram.mem, percpu + abi.PCPU_TSS + abi.TSS_SP0, task.kstack_top)
        cpu.set_reg(x86.UC_X86_REG_CR3, task.mm.cr3)
        # In the kernel, as the task was when it stopped: kernel GS base live,
        # the user's parked in MSR_KERNEL_GS_BASE.
        regs = task.kstack_top - abi.PT_REGS_SIZE
        cpu.set_reg(x86.UC_X86_REG_RSP, regs if task.fresh else task.kernel_rsp)
        cpu.set_reg(x86.UC_X86_REG_RDI, regs)  # the stub's argument, live at the trap
        cpu.set_msr(abi.MSR_GS_BASE, self.kernel.symbol("__per_cpu_start"))
        cpu.set_msr(abi.MSR_KERNEL_GS_BASE, task.gs_base)
        cpu.set_reg(x86.UC_X86_REG_FS_BASE, task.fs_base)
        if self.fpu_owner is not task:
            # Lazily: the registers move only when another task's are loaded.
            if self.fpu_owner is not None:
                self.fpu_owner.fpu = self.fpu.save()
            self.fpu.restore(task.fpu)
            self.fpu_owner = task
        write_sample(self.ram.mem, self.vvar_frame)  # the vDSO's clocks, fresh for this time slice

    def observe_signal(self, task: Task, sig: int, info: bytes) -> None:
        if self.observer is not None:
            self.observer.signal(task, sig, info)

    def fpu_state(self, task: Task) -> bytes:
        return self.fpu.save() if self.fpu_owner is task else task.fpu

    def set_fpu_state(self, task: Task, image: bytes) -> None:
        if self.fpu_owner is task:
            self.fpu.restore(image)
        else:
            task.fpu = image

    def _switch_out(self, task: Task) -> None:
        if task.status is None and not task.fresh:
            task.kernel_rsp = self.cpu.reg(x86.UC_X86_REG_RSP)
            task.fs_base = self.cpu.reg(x86.UC_X86_REG_FS_BASE)
            task.gs_base = self.cpu.msr(abi.MSR_KERNEL_GS_BASE)
        self.current = None

    def _runnable(self, after: int) -> Task | None:
        order = sorted(self.tasks.values(), key=lambda t: (t.pid <= after, t.pid))
        for task in order:
            if task.status is not None:
                continue
            if task.sleep is None:
                return task
            if task.sleep.ready() or (task.sigpending and task.sleep.restart):
                return task
        return None

    def _next(self, after: int, deadline: float) -> Task | None:
        while True:
            task = self._runnable(after)
            if task is not None:
                return task
            live = [t for t in self.tasks.values() if t.status is None]
            if not live:
                return None
            sleeps = [t.sleep for t in live if t.sleep is not None]
            wakes = [w for s in sleeps if (w := s.wake) is not None]
            if not wakes:
                raise Deadlock(f"every task sleeps for good: pids {', '.join(str(t.pid) for t in live)}")
            pause = min(wakes) - time.monotonic()
            if self.longest_sleep is not None:
                ends = [s.deadline if s.deadline is not None else float("inf") for s in sleeps]
                if min(ends) - time.monotonic() > self.longest_sleep:
                    raise Deadlock(f"every task sleeps for more than {self.longest_sleep} s")
            if time.monotonic() + pause > deadline:
                raise TimeoutError("timed out while every task slept")
            time.sleep(max(pause, 0.0))

    def schedule(self, init: Task, timeout: float) -> ExitStatus:
        """Run tasks until none is left; `init`'s status is the result."""
        self.run_until(None, timeout)
        assert init.status is not None
        return init.status

    def run_until(self, done: Callable[[], bool] | None, timeout: float) -> None:
        """Run tasks until `done()` holds (checked whenever the cpu stops) or none is left."""
        deadline = time.monotonic() + timeout
        last = 0
        while not (done is not None and done()) and (task := self._next(last, deadline)) is not None:
            last = task.pid
            self._switch_to(task)
            if task.sleep is not None:
                sleep = task.sleep
                restart = task.restart_trap or self.resume_restart
                begin = restart if sleep.restart else self.resume_done
                task.sleep, task.restart_trap = None, 0
                if sleep.restart and task.sigpending and not sleep.ready():
                    # Woken by a handled signal: the call ends here.
                    signals.interrupt(task, sleep, ia32=begin == self.resume_ia32)
                    begin = self.resume_done
            else:
                begin = self.resume_fresh if task.fresh else self.resume_done
            if begin in (self.resume_done, self.resume_fresh) and task.sigpending:
                signals.deliver(task)  # sent while it waited to run: on its way back to user mode
            task.fresh = False
            self._run(begin, deadline, timeout)
            while task.restart_at and task.status is None:
                # A served page fault or a fault's signal handler: the same task,
                # still in user mode. Only QEMU's record of the fault goes; the
                # instruction (or the handler) runs.
                begin, task.restart_at = task.restart_at, 0
                self.cpu.clear_pending_exception(task.restart_vector)
                task.restart_vector = PAGE_FAULT
                self._run(begin, deadline, timeout)
            task.restart_at = 0
            if self.cpu.cpl() == 3 and task.status is not None:
                self._enter_fatal_fault(task, deadline, timeout)
            self._switch_out(task)
            if task.status is None and task.sleep is None and not task.fresh:
                raise TimeoutError(f"pid {task.pid} still running after {timeout} s")
            self._free_dead()

    def _run(self, begin: int, deadline: float, timeout: float) -> None:
        if self.ram.stale_code:
            self.cpu.flush_code()  # see PhysicalMemory.stale_code
            self.ram.stale_code = False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"still running after {timeout} s")
        self.cpu.run(begin, timeout_us=max(1, int(remaining * 1e6)))

    def _enter_fatal_fault(self, dead: Task, deadline: float, timeout: float) -> None:
        """A fault killed `dead` in user mode: the cpu enters ring 0 through the fault gate (see gate.S).

        Every other task resumes at a kernel address, which ring 3 cannot
        even fetch. QEMU's record of the fault goes too, as its delivery
        would have taken it, or the next fault would become a double fault.
        The gate's frame lands on the dead task's kernel stack, still mapped
        until _free_dead.
        """
        cpu = self.cpu
        cpu.clear_pending_exception(dead.restart_vector)
        _Q.pack_into(self.ram.mem, self.fault_next_rip_pa, cpu.reg(x86.UC_X86_REG_RIP))
        # Single-stepping would trap right after the far call; the dead task's flags matter no more.
        stepping = abi.X86_EFLAGS["X86_EFLAGS_TF"] | abi.X86_EFLAGS["X86_EFLAGS_RF"]
        cpu.set_reg(x86.UC_X86_REG_EFLAGS, cpu.reg(x86.UC_X86_REG_EFLAGS) & ~stepping)
        # The gate's descriptor lies past the GDT's limit except now: a program's own far
        # call through it is a #GP, as on Linux, whose GDT ends before it.
        cpu.set_descriptor_table(x86.UC_X86_REG_GDTR, self.gdt_base, 8 * abi.GDT_ENTRIES - 1)
        try:
            self._run(self.fault_gate, deadline, timeout)
        finally:
            cpu.set_descriptor_table(x86.UC_X86_REG_GDTR, self.gdt_base, 8 * abi.FAULT_GATE_ENTRY - 1)
        if cpu.cpl() != 0 or cpu.reg(x86.UC_X86_REG_RIP) != self.fatal_halted:
            raise KernelOops("the cpu did not reach ring 0 through the fault gate")

    def _free_dead(self) -> None:
        for mm in self._dead_mms:
            mm.destroy()
        for task in self._dead_tasks:
            self._free_kernel_stack(task)
        self._dead_mms.clear()
        self._dead_tasks.clear()

    def kill_all(self) -> None:
        self.current = None
        for task in list(self.tasks.values()):
            if task.status is None:
                self.do_exit(task, ExitStatus(None, SIGKILL, "SIGKILL"))
        self._free_dead()

    def start(
        self,
        program: str | Path,
        argv: Sequence[str | bytes] | None = None,
        envp: Sequence[str | bytes] = (),
        *,
        data: bytes | None = None,
        exe: bytes | None = None,
        cwd: bytes = b"/",
    ) -> Task:
        """A first task running `program` (a host file), with fds 0-2 on the host's.

        The program is also a file of the machine, as /proc/self/exe names it
        (busybox's sh re-executes itself there): its own path under --root, or
        else a copy at its host path.
        """
        if data is None:
            data = Path(program).read_bytes()
        image = read_image(program, data)
        if exe is None:
            exe = self._place(program, data)
        task = self.spawn()
        for fd, host in enumerate(self.stdio):
            task.files.put(fd, OpenFile(HostFile(host, owned=False), 2, f"/dev/fd/{host}".encode()), False)
        where = self.fs.lookup(task, cwd, self.fs.root)
        if not isinstance(where, Directory):
            raise NotADirectoryError(os.fsdecode(cwd))
        task.cwd = where
        task.exe = exe
        task.comm = os.path.basename(os.fsencode(program))[:15]  # as the program was named, links not followed
        page_cache = None
        with contextlib.suppress(Errno, NotADirectoryError):
            inode = self.fs.lookup(task, exe, self.fs.root)
            if isinstance(inode, Regular) and inode.data == data:
                image, page_cache = self._image(inode, exe, image)  # the file later execs will find
        args = [os.fsencode(a) for a in (argv if argv is not None else [str(program)])]
        self._exec(task, image, args, [os.fsencode(e) for e in envp], page_cache)
        return task

    def _place(self, program: str | Path, data: bytes) -> bytes:
        real = os.path.realpath(program)
        if self.host_root is not None and os.path.commonpath([self.host_root, real]) == self.host_root:
            return os.fsencode(os.path.normpath(os.path.join("/", os.path.relpath(real, self.host_root))))
        path = os.fsencode(os.path.abspath(program))
        self.fs.add_file(path, data, stat.S_IMODE(os.stat(program).st_mode))
        return path

    def run(
        self,
        program: str | Path,
        argv: Sequence[str | bytes] | None = None,
        envp: Sequence[str | bytes] = (),
        *,
        timeout: float = 30.0,
        cwd: bytes = b"/",
    ) -> ExitStatus:
        """Run a static x86-64 ELF (and whatever it forks) to completion; say how it ended."""
        task = self.start(program, argv, envp, cwd=cwd)
        try:
            return self.schedule(task, timeout)
        except BaseException:
            self.kill_all()
            raise
