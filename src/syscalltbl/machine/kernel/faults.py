"""User-mode exceptions: which signal, and what its siginfo and sigcontext say (arch/x86/kernel/traps.c, mm/fault.c).

Unicorn reports only the vector (and CR2 for a page fault); the error code a
real cpu pushes is worked out here from the page tables and the faulting
instruction, for handlers that read sigcontext.err (a GC's write barrier).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw.paging import PTE_P
from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.signals import fault_info
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.uapi.errno import Errno
from syscalltbl.machine.uapi.signal import (
    BUS_ADRERR,
    BUS_MCEERR_AR,
    FPE_INTDIV,
    ILL_ILLOPN,
    SEGV_ACCERR,
    SEGV_MAPERR,
    SI_KERNEL,
    SIGBUS,
    SIGFPE,
    SIGILL,
    SIGSEGV,
    SIGTRAP,
    TRAP_TRACE,
)

DEBUG, PAGE_FAULT = 1, 14
NO_EXCEPTION = -1  # a stop that no exception caused (the interrupt line): nothing for QEMU to forget
# Exception vector -> signal, as arch/x86/kernel/traps.c decides for user mode.
TRAP_SIGNALS = {0: SIGFPE, 1: SIGTRAP, 3: SIGTRAP, 6: SIGILL, 13: SIGSEGV, 14: SIGSEGV, 16: SIGFPE, 19: SIGFPE}
# ... and its si_code: a single step is TRAP_TRACE, at the next rip; int3 and #GP are SI_KERNEL (no address).
FAULT_CODES = {0: FPE_INTDIV, 1: TRAP_TRACE, 6: ILL_ILLOPN}


def page_fault_info(mm: Mm, signal: int, addr: int) -> bytes:
    if signal == SIGBUS:
        return fault_info(signal, BUS_ADRERR, addr)
    # A guard page faults as VM_FAULT_SIGSEGV, which bad_area_nosemaphore reports as SEGV_MAPERR.
    mapped = mm.find_vma(addr) is not None and not (mm.guards and addr & ~(abi.PAGE_SIZE - 1) in mm.guards)
    return fault_info(signal, SEGV_ACCERR if mapped else SEGV_MAPERR, addr)


def poison_info(addr: int) -> bytes:
    """force_sig_mceerr(BUS_MCEERR_AR, addr, PAGE_SHIFT): a poisoned page; si_addr_lsb says how much of it."""
    info = bytearray(fault_info(SIGBUS, BUS_MCEERR_AR, addr))
    info[24:26] = (abi.PAGE_SIZE.bit_length() - 1).to_bytes(2, "little")
    return bytes(info)


def trap_info(signal: int, vector: int, rip: int) -> bytes:
    code = FAULT_CODES.get(vector, SI_KERNEL)
    return fault_info(signal, code, 0 if code == SI_KERNEL else rip)


# The page-fault error code (arch/x86/include/asm/trap_pf.h), as sigcontext.err reports it.
PF_PROT, PF_WRITE, PF_USER, PF_INSTR = 0x1, 0x2, 0x4, 0x10


def page_fault_error_code(
    mm: Mm, addr: int, rip: int, register: Callable[[str], int], *, absent: bool = False
) -> int:
    """What the cpu would have pushed for a user-mode fault at `addr` (Unicorn does not say).

    A present user page faults only on a write or an instruction fetch; for
    any other the faulting instruction is decoded, and a write is claimed only
    when `addr` lies in the operand it writes (its address computed from the
    registers, `register(name)`). `absent`: this machine paged the page in
    (readable) for this very access, which then faulted again: a write to a
    page Linux would never have mapped. A kernel address is also marked a
    protection fault, as Linux pretends it is.
    """
    if addr >= abi.TASK_SIZE_MAX:
        present, kernel = True, True
    else:
        present, kernel = not absent and bool(mm.lookup(addr & ~(abi.PAGE_SIZE - 1)) & PTE_P), False
    err = PF_USER | (PF_PROT if present else 0)
    if addr == rip:
        return err | PF_INSTR
    if (present and not kernel) or absent or _writes(mm, rip, addr, register):
        err |= PF_WRITE  # a readable user page faults again only for a write
    return err


def area_allows(mm: Mm, addr: int, err: int) -> bool:
    """access_error, inverted: whether the area at `addr` permits the access `err` describes (the fault is
    then the page's, a file's end past it for one); a write needs a writable area, any other access an
    accessible one whose page was not present."""
    vma = mm.find_vma(addr)
    if vma is None:
        return False
    if err & PF_WRITE:
        return vma.write
    return not err & PF_PROT and (vma.read or vma.write or vma.execute)


def _writes(mm: Mm, rip: int, addr: int, register: Callable[[str], int]) -> bool:
    """Whether the instruction at `rip` faulted at `addr` while writing it."""
    import capstone  # type: ignore[import-untyped]  # only for a fault with a handler to tell

    try:
        code = copy_from_user(mm, rip, min(15, abi.PAGE_SIZE - (rip & (abi.PAGE_SIZE - 1))))
    except Errno:
        return False
    decoder = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    decoder.detail = True
    for insn in decoder.disasm(code, rip, 1):
        if insn.mnemonic.startswith(("push", "call", "enter")):
            sp = register("rsp")
            if sp - 8 <= addr < sp:
                return True  # the implicit stack slot, which no operand names
        for op in insn.operands:
            if op.type == capstone.x86.X86_OP_MEM and op.access & capstone.CS_AC_WRITE:
                start = _effective_address(insn, op.mem, register)
                if start <= addr < start + max(op.size, 1):
                    return True
    return False


def _effective_address(insn: Any, mem: Any, register: Callable[[str], int]) -> int:
    def value(reg: int) -> int:
        if not reg:
            return 0
        name = insn.reg_name(reg)
        return int(insn.address + insn.size) if name == "rip" else register(name)

    address: int = value(mem.base) + value(mem.index) * int(mem.scale) + int(mem.disp)
    segment = insn.reg_name(mem.segment) if mem.segment else ""
    if segment in ("fs", "gs"):
        address += register(f"{segment}_base")
    return address & ((1 << 64) - 1)
