"""prctl(PR_SET_TSC/PR_GET_TSC) (arch/x86/kernel/process.c): whether rdtsc faults for a thread.

The flag (TIF_NOTSC) is the thread's, inherited by the threads and processes
it creates and kept across execve. While a thread that set PR_TSC_SIGSEGV
runs, CR4.TSD is set: the cpu then raises #GP for rdtsc and rdtscp in ring 3,
which the kernel delivers as SIGSEGV. The vDSO's clocks read the TSC too, so
a call of them faults as well, as with Linux's vDSO in TSC mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unicorn import x86_const as x86

from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.prctl import PR_TSC_ENABLE, PR_TSC_SIGSEGV

if TYPE_CHECKING:
    from syscalltbl.machine.hw.cpu import Cpu
    from syscalltbl.machine.kernel.process import Task

CR4_TSD = 1 << 2  # X86_CR4_TSD: rdtsc is for ring 0 only


def get_tsc_mode(task: Task) -> int:
    return PR_TSC_SIGSEGV if task.notsc else PR_TSC_ENABLE


def set_tsc_mode(task: Task, mode: int) -> None:
    """set_tsc_mode: PR_TSC_SIGSEGV disables the TSC for the thread, PR_TSC_ENABLE gives it back."""
    if mode not in (PR_TSC_ENABLE, PR_TSC_SIGSEGV):
        raise Errno(EINVAL)
    task.notsc = mode == PR_TSC_SIGSEGV
    load_tsd(task.cpu, task)


def load_tsd(cpu: Cpu, task: Task) -> None:
    """CR4.TSD as `task` wants it, written only when it changes (switch_to, and the prctl itself)."""
    cr4 = cpu.reg(x86.UC_X86_REG_CR4)
    want = cr4 | CR4_TSD if task.notsc else cr4 & ~CR4_TSD
    if want != cr4:
        cpu.set_reg(x86.UC_X86_REG_CR4, want)
