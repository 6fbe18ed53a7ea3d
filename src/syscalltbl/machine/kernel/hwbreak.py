"""The debug registers a tracer reads and writes through struct user's u_debugreg (arch/x86/kernel/ptrace.c's
ptrace_set_debugreg, arch/x86/kernel/hw_breakpoint.c's checks, kernel/events/hw_breakpoint.c's parse).

DR0-DR3 hold breakpoint addresses, DR6 the status, DR7 the control word:
per breakpoint an enable pair, a type (execute, write, read/write; I/O is
refused) and a length (1, 2, 4 or 8 bytes; execute takes only 1). Every
write is checked as Linux registers a perf breakpoint: the length must be
aligned, the whole range in user space (EINVAL otherwise, as ptrace's
breakpoints exclude the kernel), and a DR7 that fails leaves the old one.
The values are the thread's own: a new task starts without any, and exec clears them.
The emulated cpu has no debug registers, so a breakpoint set here does
not trap (docs/machine-limits.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from syscalltbl.generators.x86_64.abi import TASK_SIZE_MAX
from syscalltbl.machine.uapi.errno import EINVAL, EIO, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

HBP_NUM: Final = 4
#: arch/x86/include/asm/hw_breakpoint.h's encodings (decode_dr7 ors 0x40 into the length, 0x80 into the type).
X86_BREAKPOINT_LEN_1, X86_BREAKPOINT_LEN_2, X86_BREAKPOINT_LEN_4, X86_BREAKPOINT_LEN_8 = 0x40, 0x44, 0x4C, 0x48
X86_BREAKPOINT_EXECUTE, X86_BREAKPOINT_WRITE, X86_BREAKPOINT_RW = 0x80, 0x81, 0x83
_LENGTHS: Final = {X86_BREAKPOINT_LEN_1: 1, X86_BREAKPOINT_LEN_2: 2, X86_BREAKPOINT_LEN_4: 4, X86_BREAKPOINT_LEN_8: 8}
#: include/uapi/asm/debugreg.h's DR_CONTROL_RESERVED on x86-64: bits DR7 may not carry.
DR_CONTROL_RESERVED: Final = 0xFFFFFFFF0000FC00


class Breakpoint:
    """One of a task's four perf breakpoints (thread->ptrace_bps[n]): its address, length and type."""

    __slots__ = ("address", "disabled", "kind", "length")

    def __init__(self, address: int, length: int, kind: int, *, disabled: bool) -> None:
        self.address, self.length, self.kind, self.disabled = address, length, kind, disabled


def _check(address: int, length: int, kind: int) -> None:
    """arch_bp_generic_fields, arch_build_bp_info and hw_breakpoint_parse with exclude_kernel: EINVAL."""
    if kind not in (X86_BREAKPOINT_EXECUTE, X86_BREAKPOINT_WRITE, X86_BREAKPOINT_RW) or length not in _LENGTHS:
        raise Errno(EINVAL)
    if kind == X86_BREAKPOINT_EXECUTE and length != X86_BREAKPOINT_LEN_1:
        raise Errno(EINVAL)  # an instruction breakpoint has one length (X86_BREAKPOINT_LEN_X)
    size = _LENGTHS[length]
    if address & (size - 1):
        raise Errno(EINVAL)
    if address >= TASK_SIZE_MAX or address + size - 1 >= TASK_SIZE_MAX:
        raise Errno(EINVAL)  # arch_check_bp_in_kernelspace: ptrace's breakpoints exclude the kernel


def _slots(t: Task) -> list[Breakpoint | None]:
    if t.breakpoints is None:
        t.breakpoints = [None] * HBP_NUM
    return t.breakpoints


def get_debugreg(t: Task, n: int) -> int:
    """ptrace_get_debugreg: DR0-3 from the breakpoints, DR6, DR7 as last written; DR4 and DR5 read 0."""
    if n < HBP_NUM:
        bp = _slots(t)[n]
        return bp.address if bp is not None else 0
    return t.debugreg[n] if n in (6, 7) else 0


def set_debugreg(t: Task, n: int, value: int) -> None:
    """ptrace_set_debugreg: DR4 and DR5 do not exist (EIO)."""
    if n < HBP_NUM:
        slots = _slots(t)
        bp = slots[n]
        if bp is None:
            _check(value, X86_BREAKPOINT_LEN_1, X86_BREAKPOINT_WRITE)  # a disabled stub, as Linux registers
            slots[n] = Breakpoint(value, X86_BREAKPOINT_LEN_1, X86_BREAKPOINT_WRITE, disabled=True)
        else:
            _check(value, bp.length, bp.kind)
            bp.address = value
    elif n == 6:
        t.debugreg[6] = value
    elif n == 7:
        _write_dr7(t, value)
        t.debugreg[7] = value
    else:
        raise Errno(EIO)


def _decode(dr7: int, n: int) -> tuple[bool, int, int]:
    """decode_dr7: whether breakpoint `n` is enabled, its length and its type."""
    info = dr7 >> (16 + n * 4)
    return bool((dr7 >> (n * 2)) & 3), (info & 0xC) | 0x40, (info & 3) | 0x80


def _write_dr7(t: Task, value: int) -> None:
    """ptrace_write_dr7: every breakpoint it enables or changes must pass the checks, or none changes."""
    value &= ~DR_CONTROL_RESERVED
    slots = _slots(t)
    updated: list[Breakpoint | None] = []
    for n in range(HBP_NUM):
        enabled, length, kind = _decode(value, n)
        bp = slots[n]
        if bp is None and not enabled:
            updated.append(None)
            continue
        address = bp.address if bp is not None else 0
        _check(address, length, kind)
        updated.append(Breakpoint(address, length, kind, disabled=not enabled))
    slots[:] = updated
