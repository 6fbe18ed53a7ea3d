"""The x86-64 machine ABI shared by the generated kernel and the runtime.

This plays the role of Linux's asm-offsets and segment.h/msr-index.h: the one
place the numbers live, rendered into the assembly (asm-offsets.inc) and
imported by the machine, so the two sides cannot disagree.
"""

from __future__ import annotations

from typing import Final

# Segment selectors, arch/x86/include/asm/segment.h (GDT index * 8 | RPL).
KERNEL32_CS: Final = 0x08
KERNEL_CS: Final = 0x10
KERNEL_DS: Final = 0x18
USER32_CS: Final = 0x23
USER_DS: Final = 0x2B
USER_CS: Final = 0x33
TSS_SEL: Final = 0x40  # GDT_ENTRY_TSS = 8, a 16-byte system descriptor
# Not in Linux: Unicorn does not perform syscall's ring switch, so ring 3
# reaches ring 0 through this 64-bit call gate (entries 16-17, past Linux's 16).
SYSCALL_GATE_SEL: Final = 0x80 | 3
# Not in Linux either: Unicorn hands `int $0x80` to a hook instead of the IDT,
# so its delivery also goes through a DPL-3 call gate (entries 18-19).
INT80_GATE_SEL: Final = 0x90 | 3
# Nor a fatal fault's entry into ring 0 (entries 20-21): Unicorn leaves the
# cpu in ring 3 after a fault, and the runtime enters through this gate.
FAULT_GATE_SEL: Final = 0xA0 | 3
# Nor the timer interrupt's (entries 22-23): the scheduler's tick stops the cpu
# in ring 3, and the runtime enters ring 0 through this gate to preempt a task.
TIMER_GATE_SEL: Final = 0xB0 | 3
# The GDT's limit ends before the runtime's own two gates but while the runtime uses one.
FAULT_GATE_ENTRY: Final = FAULT_GATE_SEL >> 3
GDT_ENTRIES: Final = 24
# arch/x86/include/asm/irq_vectors.h
IA32_SYSCALL_VECTOR: Final = 0x80

# MSRs, arch/x86/include/asm/msr-index.h.
MSR_EFER: Final = 0xC0000080
MSR_STAR: Final = 0xC0000081
MSR_LSTAR: Final = 0xC0000082
MSR_CSTAR: Final = 0xC0000083
MSR_SYSCALL_MASK: Final = 0xC0000084
MSR_FS_BASE: Final = 0xC0000100
MSR_GS_BASE: Final = 0xC0000101
MSR_KERNEL_GS_BASE: Final = 0xC0000102

EFER_SCE: Final = 1 << 0
EFER_LME: Final = 1 << 8
EFER_LMA: Final = 1 << 10
EFER_NX: Final = 1 << 11

CR0_PE: Final = 1 << 0
CR0_MP: Final = 1 << 1
CR0_ET: Final = 1 << 4
CR0_NE: Final = 1 << 5
CR0_WP: Final = 1 << 16
CR0_AM: Final = 1 << 18
CR0_PG: Final = 1 << 31
CR4_PAE: Final = 1 << 5
CR4_PGE: Final = 1 << 7
CR4_OSFXSR: Final = 1 << 9
CR4_OSXMMEXCPT: Final = 1 << 10

X86_EFLAGS: Final[dict[str, int]] = {
    "X86_EFLAGS_CF": 0x00000001,
    "X86_EFLAGS_FIXED": 0x00000002,
    "X86_EFLAGS_PF": 0x00000004,
    "X86_EFLAGS_AF": 0x00000010,
    "X86_EFLAGS_ZF": 0x00000040,
    "X86_EFLAGS_SF": 0x00000080,
    "X86_EFLAGS_TF": 0x00000100,
    "X86_EFLAGS_IF": 0x00000200,
    "X86_EFLAGS_DF": 0x00000400,
    "X86_EFLAGS_OF": 0x00000800,
    "X86_EFLAGS_IOPL": 0x00003000,
    "X86_EFLAGS_NT": 0x00004000,
    "X86_EFLAGS_RF": 0x00010000,
    "X86_EFLAGS_AC": 0x00040000,
    "X86_EFLAGS_ID": 0x00200000,
}

# What syscall_init masks on entry (arch/x86/kernel/cpu/common.c): everything
# a user could set that kernel code must not inherit.
LINUX_SYSCALL_MASK: Final[tuple[str, ...]] = (
    "X86_EFLAGS_CF", "X86_EFLAGS_PF", "X86_EFLAGS_AF", "X86_EFLAGS_ZF", "X86_EFLAGS_SF",
    "X86_EFLAGS_TF", "X86_EFLAGS_IF", "X86_EFLAGS_DF", "X86_EFLAGS_OF", "X86_EFLAGS_IOPL",
    "X86_EFLAGS_NT", "X86_EFLAGS_RF", "X86_EFLAGS_AC", "X86_EFLAGS_ID",
)

ENOSYS: Final = 38

# struct pt_regs (arch/x86/include/asm/ptrace.h), in push order reversed.
PT_REGS: Final[tuple[str, ...]] = (
    "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8",
    "ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
)
PT_OFFSET: Final[dict[str, int]] = {name: 8 * i for i, name in enumerate(PT_REGS)}
PT_REGS_SIZE: Final = 8 * len(PT_REGS)
# The offsets' names in assembly, as in arch/x86/include/uapi/asm/ptrace-abi.h.
_PTRACE_ABI_NAME: Final[dict[str, str]] = {
    "bp": "RBP", "bx": "RBX", "ax": "RAX", "cx": "RCX", "dx": "RDX", "si": "RSI", "di": "RDI",
    "orig_ax": "ORIG_RAX", "ip": "RIP", "flags": "EFLAGS", "sp": "RSP",
}

# struct x86_hw_tss: Linux parks the user RSP in sp2 during syscall entry.
TSS_SP0: Final = 4
TSS_SP2: Final = 20
TSS_IOPB: Final = 102
TSS_SIZE: Final = 104
# Per-cpu area (GS base in the kernel): the TSS first, as in cpu_tss_rw.
PCPU_TSS: Final = 0
PCPU_TOP_OF_STACK: Final = 128
#: The running task's SYSCALL_WORK_* bits (kernel/syscall_work.py): non-zero, the entry's slow path.
PCPU_SYSCALL_WORK: Final = PCPU_TOP_OF_STACK + 8

# Address-space layout (Documentation/arch/x86/x86_64/mm.rst).
PAGE_SIZE: Final = 4096
KERNEL_TEXT: Final = 0xFFFFFFFF81000000
KSTACK_BASE: Final = 0xFFFFC90000000000  # vmalloc space: one stack per task
THREAD_SIZE: Final = 4 * PAGE_SIZE
GATE_PAGE: Final = 0xFFFFFFFFFF600000  # the legacy vsyscall page's address
TASK_SIZE_MAX: Final = (1 << 47) - PAGE_SIZE

# The vvar page the vDSO reads (ours, not Linux's struct vdso_data): the
# kernel writes a clock sample there, the vDSO extrapolates it with rdtsc.
VVAR_TSC_BASE: Final = 0  # u64: rdtsc at the sample
VVAR_MONO: Final = 8  # u64: CLOCK_MONOTONIC at the sample, ns
VVAR_REAL: Final = 16  # u64: CLOCK_REALTIME at the sample, ns
VVAR_MULT: Final = 24  # u64: ns per cycle << VVAR_SHIFT
VVAR_CPU: Final = 32  # u32: what getcpu answers
VVAR_TZ: Final = 40  # struct timezone: what gettimeofday reports
VVAR_BOOT: Final = 48  # u64: CLOCK_BOOTTIME at the sample, ns (apart from mono in a time namespace's page)
VVAR_SHIFT: Final = 32


def asm_offsets() -> dict[str, int]:
    """Every constant the assembly uses, by the name it uses."""
    consts: dict[str, int] = {
        "__KERNEL_CS": KERNEL_CS,
        "__KERNEL_DS": KERNEL_DS,
        "__USER32_CS": USER32_CS,
        "__USER_DS": USER_DS,
        "__USER_CS": USER_CS,
        "MSR_EFER": MSR_EFER,
        "_EFER_SCE": EFER_SCE.bit_length() - 1,
        "MSR_STAR": MSR_STAR,
        "MSR_LSTAR": MSR_LSTAR,
        "MSR_SYSCALL_MASK": MSR_SYSCALL_MASK,
        "ENOSYS": ENOSYS,
        "TSS_sp0": TSS_SP0,
        "TSS_sp2": TSS_SP2,
        "PCPU_tss": PCPU_TSS,
        "PCPU_top_of_stack": PCPU_TOP_OF_STACK,
        "PCPU_syscall_work": PCPU_SYSCALL_WORK,
        "PTREGS_SIZE": PT_REGS_SIZE,
        "SYSCALL_GATE_SEL": SYSCALL_GATE_SEL,
        "INT80_GATE_SEL": INT80_GATE_SEL,
        "FAULT_GATE_SEL": FAULT_GATE_SEL,
        "TIMER_GATE_SEL": TIMER_GATE_SEL,
        "VVAR_tsc_base": VVAR_TSC_BASE,
        "VVAR_mono": VVAR_MONO,
        "VVAR_real": VVAR_REAL,
        "VVAR_mult": VVAR_MULT,
        "VVAR_cpu": VVAR_CPU,
        "VVAR_tz": VVAR_TZ,
        "VVAR_boot": VVAR_BOOT,
        "VVAR_SHIFT": VVAR_SHIFT,
    }
    consts.update({_PTRACE_ABI_NAME.get(name, name.upper()): off for name, off in PT_OFFSET.items()})
    consts.update(X86_EFLAGS)
    return consts
