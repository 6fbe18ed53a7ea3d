"""Boot: the kernel image into RAM, the GDT and TSS, startup_64 (which runs syscall_init), and the vDSO.

init/main.c and arch/x86/kernel/head_64.S, as far as Python does them: the
cpu starts in long mode with paging on (Unicorn cannot be reset into real
mode and walked up), and the generated startup_64 does the rest, writing
MSR_LSTAR to entry_SYSCALL_64 as syscall_init does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw import gdt
from syscalltbl.machine.kernel.vdso import Vdso, build_vdso

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

CR0 = abi.CR0_PE | abi.CR0_MP | abi.CR0_ET | abi.CR0_NE | abi.CR0_WP | abi.CR0_AM | abi.CR0_PG
CR4 = abi.CR4_PAE | abi.CR4_PGE | abi.CR4_OSFXSR | abi.CR4_OSXMMEXCPT
EFER = abi.EFER_LME | abi.EFER_LMA | abi.EFER_NX  # startup_64 adds SCE, as head_64.S does


class KernelOops(RuntimeError):
    """The emulated kernel faulted: a bug in generated code or the runtime."""


def boot(machine: Machine) -> tuple[int, Vdso, list[int], int]:
    """Load the image, start the cpu through startup_64, and build the vDSO every process maps.

    The GDT's base, the vDSO, its frames and the vvar page's frame (kernel-owned, mapped into every
    process). A plain tuple: its one caller unpacks it, and a NamedTuple class costs every start a
    `compile()` of its `__new__`, and one a field while its annotations are strings.
    """
    load_kernel(machine)
    gdt_base = start_cpu(machine)
    vdso, vdso_frames, vvar_frame = load_vdso(machine)
    machine.cpu.snapshot_clean_state()
    return gdt_base, vdso, vdso_frames, vvar_frame


def kpa(machine: Machine, symbol: str) -> int:
    """The physical address of a kernel symbol."""
    return machine.kmm.kernel_frame(machine.kernel.symbol(symbol))


def load_kernel(machine: Machine) -> None:
    for seg in machine.kernel.image.segments:
        user = seg.vaddr == abi.GATE_PAGE  # the only page ring 3 may touch
        pages = (seg.memsz + abi.PAGE_SIZE - 1) // abi.PAGE_SIZE
        pa = machine.ram.alloc(pages)
        for i in range(pages):
            va = seg.vaddr + i * abi.PAGE_SIZE
            machine.kmm.map(va, pa + i * abi.PAGE_SIZE, user=user, write=seg.write, execute=seg.execute)
        machine.ram.write(pa, seg.data)


def start_cpu(machine: Machine) -> int:
    """The GDT and TSS, control registers and EFER, then startup_64; the GDT's address."""
    cpu, sym = machine.cpu, machine.kernel.symbol
    percpu, gdt_base = sym("__per_cpu_start"), sym("gdt_page")
    machine.ram.write(
        kpa(machine, "gdt_page"),
        gdt.build_gdt(
            percpu + abi.PCPU_TSS,
            sym("syscall_microcode"),
            sym("int80_microcode"),
            sym("fault_microcode"),
            sym("timer_microcode"),
        ),
    )
    machine.ram.write(kpa(machine, "__per_cpu_start") + abi.PCPU_TSS, gdt.build_tss(0))
    cpu.set_descriptor_table(x86.UC_X86_REG_GDTR, gdt_base, 8 * abi.FAULT_GATE_ENTRY - 1)  # see sched.enter_fatal_fault
    # ltr marks the TSS busy: present, DPL 0, type 0xB (busy 64-bit TSS).
    cpu.set_segment(x86.UC_X86_REG_TR, abi.TSS_SEL, percpu + abi.PCPU_TSS, abi.TSS_SIZE - 1, 0x8B00)
    cpu.set_reg(x86.UC_X86_REG_CR3, machine.kmm.cr3)
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
    return gdt_base


def load_vdso(machine: Machine) -> tuple[Vdso, list[int], int]:
    """The vDSO image in frames of its own, and the vvar page with a first clock sample."""
    vdso = build_vdso(list(machine.kernel.syscalls), "syscall_64.tbl")
    frames = [machine.ram.alloc() for _ in range(vdso.pages)]
    for i, frame in enumerate(frames):
        machine.ram.write(frame, vdso.data[i * abi.PAGE_SIZE : (i + 1) * abi.PAGE_SIZE])
    vvar_frame = machine.ram.alloc()
    machine.ram.write(vvar_frame, bytes(abi.PAGE_SIZE))
    machine.clock.refresh(machine.ram.mem, vvar_frame, machine.wallclock.host_offset_ns)
    return vdso, frames, vvar_frame
