"""User-mode exceptions: which signal, and what its siginfo and sigcontext say (arch/x86/kernel/traps.c, mm/fault.c).

Unicorn reports only the vector (and CR2 for a page fault); the error code a
real cpu pushes is worked out here from the page tables and the faulting
instruction, for handlers that read sigcontext.err (a GC's write barrier).
"""

from __future__ import annotations

from syscalltbl.generators.x86_64 import abi
from syscalltbl.kernel_runtime.errnos import Errno
from syscalltbl.kernel_runtime.mm import Mm
from syscalltbl.kernel_runtime.paging import PTE_P
from syscalltbl.kernel_runtime.process import SIGFPE, SIGILL, SIGSEGV, SIGTRAP
from syscalltbl.kernel_runtime.signals import fault_info
from syscalltbl.kernel_runtime.uaccess import copy_from_user

PAGE_FAULT = 14
# Exception vector -> signal, as arch/x86/kernel/traps.c decides for user mode.
TRAP_SIGNALS = {0: SIGFPE, 3: SIGTRAP, 6: SIGILL, 13: SIGSEGV, 14: SIGSEGV, 16: SIGFPE, 19: SIGFPE}
# ... and its si_code: FPE_INTDIV, ILL_ILLOPN; int3 and #GP are SI_KERNEL (no address).
FAULT_CODES = {0: 1, 6: 2}
SEGV_MAPERR, SEGV_ACCERR, SI_KERNEL = 1, 2, 0x80


def page_fault_info(mm: Mm, signal: int, addr: int) -> bytes:
    mapped = mm.find_vma(addr) is not None
    return fault_info(signal, SEGV_ACCERR if mapped else SEGV_MAPERR, addr)


def trap_info(signal: int, vector: int, rip: int) -> bytes:
    code = FAULT_CODES.get(vector, SI_KERNEL)
    return fault_info(signal, code, 0 if code == SI_KERNEL else rip)


# The page-fault error code (arch/x86/include/asm/trap_pf.h), as sigcontext.err reports it.
PF_PROT, PF_WRITE, PF_USER, PF_INSTR = 0x1, 0x2, 0x4, 0x10


def page_fault_error_code(mm: Mm, addr: int, rip: int, *, absent: bool = False) -> int:
    """What the cpu would have pushed for a user-mode fault at `addr` (Unicorn does not say).

    A present page faults only on a write or an instruction fetch; for an
    absent one the faulting instruction is decoded to see whether it writes
    memory. `absent`: this machine paged the page in (readable) for this very
    access, which then faulted again, so it was a write to a page Linux would
    never have mapped. A kernel address counts as a protection fault, as
    Linux pretends.
    """
    if addr >= abi.TASK_SIZE_MAX:
        return PF_USER | PF_PROT
    present = not absent and mm.lookup(addr & ~(abi.PAGE_SIZE - 1)) & PTE_P
    err = PF_USER | (PF_PROT if present else 0)
    if addr == rip:
        return err | PF_INSTR
    if present or absent or _writes_memory(mm, rip):
        err |= PF_WRITE  # a readable page faults again only for a write
    return err


def _writes_memory(mm: Mm, rip: int) -> bool:
    import capstone  # type: ignore[import-untyped]  # only for a fault with a handler to tell

    try:
        code = copy_from_user(mm, rip, min(15, abi.PAGE_SIZE - (rip & (abi.PAGE_SIZE - 1))))
    except Errno:
        return False
    decoder = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    decoder.detail = True
    for insn in decoder.disasm(code, rip, 1):
        if insn.mnemonic.startswith(("push", "call", "enter")):
            return True  # the stack write is implicit: no operand says so
        return any(op.type == capstone.x86.X86_OP_MEM and op.access & capstone.CS_AC_WRITE for op in insn.operands)
    return False
