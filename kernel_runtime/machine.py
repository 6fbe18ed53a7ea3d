"""The emulated x86-64 machine: boot, the syscall path's two hooks, and faults.

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
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path

from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import Syscall
from syscalltbl.kernel_runtime import gdt
from syscalltbl.kernel_runtime.cpu import Cpu
from syscalltbl.kernel_runtime.elfimage import read_image
from syscalltbl.kernel_runtime.errnos import Errno
from syscalltbl.kernel_runtime.kbuild import Kernel, build_kernel
from syscalltbl.kernel_runtime.mm import Mm
from syscalltbl.kernel_runtime.paging import AddressSpace
from syscalltbl.kernel_runtime.physmem import PhysicalMemory
from syscalltbl.kernel_runtime.process import SIGFPE, SIGILL, SIGNAMES, SIGSEGV, SIGTRAP, ExitStatus, Task
from syscalltbl.kernel_runtime.syscalls import REGISTRY, Handler, bind, unimplemented
from unicorn import x86_const as x86

CR0 = abi.CR0_PE | abi.CR0_MP | abi.CR0_ET | abi.CR0_NE | abi.CR0_WP | abi.CR0_AM | abi.CR0_PG
CR4 = abi.CR4_PAE | abi.CR4_PGE | abi.CR4_OSFXSR | abi.CR4_OSXMMEXCPT
EFER = abi.EFER_LME | abi.EFER_LMA | abi.EFER_NX  # startup_64 adds SCE, as head_64.S does
SYSCALL_INSN_LEN = 2
MASK64 = (1 << 64) - 1
# Exception vector -> signal, as arch/x86/kernel/traps.c decides for user mode.
TRAP_SIGNALS = {0: SIGFPE, 3: SIGTRAP, 6: SIGILL, 13: SIGSEGV, 14: SIGSEGV, 16: SIGFPE, 19: SIGFPE}

_Q = struct.Struct("<Q")
# pt_regs from ->r10 to ->orig_ax: every argument register and the number.
_ARGS = struct.Struct("<9Q")


class KernelOops(RuntimeError):
    """The emulated kernel faulted: a bug in generated code or the runtime."""


class Machine:
    """One cpu, its RAM, and a kernel built from the x86-64 syscall table."""

    def __init__(
        self,
        *,
        table: str | Path | None = None,
        handlers: Mapping[str, Handler] | None = None,
        syscall_mask: Sequence[str] = abi.LINUX_SYSCALL_MASK,
        ram_size: int = 256 << 20,
        stdio: tuple[int, int, int] = (0, 1, 2),
    ) -> None:
        """`handlers` adds or replaces implementations (entry point -> function)."""
        self.handlers: dict[str, Handler] = {**REGISTRY, **(handlers or {})}
        self.kernel: Kernel = build_kernel(table, self.handlers, syscall_mask)
        self.dispatch = bind(self.kernel.syscalls, self.handlers)
        self.stdio = stdio
        self.cpu = Cpu()
        self.ram = PhysicalMemory(self.cpu, ram_size)
        self.kmm = AddressSpace(self.ram)
        self.current: Task | None = None
        self._last_pid = 0
        self._load_kernel()
        self._boot()
        self._install_hooks()

    def unimplemented(self) -> list[Syscall]:
        return unimplemented(self.kernel.syscalls, self.handlers)

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
        self.ram.write(self._kpa("gdt_page"), gdt.build_gdt(percpu + abi.PCPU_TSS, sym("syscall_microcode")))
        self.ram.write(self._kpa("__per_cpu_start") + abi.PCPU_TSS, gdt.build_tss(0))
        cpu.set_descriptor_table(x86.UC_X86_REG_GDTR, gdt_base, 8 * abi.GDT_ENTRIES - 1)
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

    # -- the hot path --

    def _install_hooks(self) -> None:
        cpu, mem, sym = self.cpu, self.ram.mem, self.kernel.symbol
        next_rip_pa = self._kpa("syscall_next_rip")
        resume = sym("syscall_gate_trampoline") - SYSCALL_INSN_LEN  # Unicorn then adds the length
        read_rip = cpu.reg_reader(x86.UC_X86_REG_RIP)
        write_rip = cpu.reg_writer(x86.UC_X86_REG_RIP)
        pack_q, args = _Q.pack_into, _ARGS.unpack_from
        dispatch = self.dispatch
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
            pack_q(mem, regs + ax_off, ret & MASK64)

        cpu.on_syscall(on_syscall)
        cpu.on_code(sym("__x64_python_trap"), on_python_syscall)
        cpu.on_interrupt(self._on_exception)
        cpu.on_invalid_insn(self._on_exception)  # as #UD, vector 6
        cpu.on_port_io(self._on_port_io)

    def _on_port_io(self, _port: int) -> int:
        # Unicorn skips the I/O permission check (SDM vol. 1, 19.5); do it
        # here. Our TSS has no I/O bitmap, so CPL > IOPL means #GP.
        iopl = (self.cpu.reg(x86.UC_X86_REG_EFLAGS) >> 12) & 3
        if self.cpu.cpl() > iopl:
            self._on_exception(13)
        return 0xFFFFFFFF  # no devices: reads float high

    def _on_exception(self, vector: int) -> None:
        rip = self.cpu.reg(x86.UC_X86_REG_RIP)
        where = f"rip={rip:#x}"
        if vector == 14:
            where += f" addr={self.cpu.reg(x86.UC_X86_REG_CR2):#x}"
        task = self.current
        if task is None or self.cpu.cpl() != 3:
            raise KernelOops(f"exception {vector} in ring 0 at {where}")
        signal = TRAP_SIGNALS.get(vector, SIGSEGV)
        task.kill(signal, f"{SIGNAMES[signal]} (exception {vector}) at {where}")

    # -- processes --

    def spawn(self) -> Task:
        self._last_pid += 1
        pid = self._last_pid
        # One THREAD_SIZE stack per pid, each above an unmapped guard page.
        top = abi.KSTACK_BASE + pid * (abi.THREAD_SIZE + abi.PAGE_SIZE)
        pages = abi.THREAD_SIZE // abi.PAGE_SIZE
        pa = self.ram.alloc(pages)
        for i in range(pages):
            va = top - abi.THREAD_SIZE + i * abi.PAGE_SIZE
            self.kmm.map(va, pa + i * abi.PAGE_SIZE, user=False, write=True, execute=False)
        task = Task(self.cpu, pid, 0, Mm(self.ram, self.kmm), top, pa + abi.THREAD_SIZE - abi.PT_REGS_SIZE)
        task.files = dict(enumerate(self.stdio))
        return task

    def _switch_to(self, task: Task) -> None:
        cpu = self.cpu
        self.current = task
        percpu = self._kpa("__per_cpu_start")
        _Q.pack_into(self.ram.mem, percpu + abi.PCPU_TOP_OF_STACK, task.kstack_top)
        _Q.pack_into(self.ram.mem, percpu + abi.PCPU_TSS + abi.TSS_SP0, task.kstack_top)
        cpu.set_reg(x86.UC_X86_REG_CR3, task.mm.cr3)
        # As if the task had just entered the kernel: its pt_regs on top,
        # kernel GS base live, the user's parked in MSR_KERNEL_GS_BASE.
        cpu.set_reg(x86.UC_X86_REG_RSP, task.kstack_top - abi.PT_REGS_SIZE)
        cpu.set_msr(abi.MSR_GS_BASE, self.kernel.symbol("__per_cpu_start"))
        cpu.set_msr(abi.MSR_KERNEL_GS_BASE, 0)
        cpu.set_msr(abi.MSR_FS_BASE, 0)

    def run(
        self,
        program: str | Path,
        argv: Sequence[str | bytes] | None = None,
        envp: Sequence[str | bytes] = (),
        *,
        timeout: float = 30.0,
    ) -> ExitStatus:
        """Run a static x86-64 ELF to completion and say how it ended."""
        image = read_image(program)
        task = self.spawn()
        args = [os.fsencode(a) for a in (argv if argv is not None else [str(program)])]
        task.exec(image, args, [os.fsencode(e) for e in envp])
        self._switch_to(task)
        self.cpu.flush_code()  # the new program's frames may have held old code
        self.cpu.run(self.kernel.symbol("syscall_return_to_user"), timeout_us=int(timeout * 1e6))
        self.current = None
        if task.status is None:
            raise TimeoutError(f"{program} still running after {timeout} s")
        return task.status
