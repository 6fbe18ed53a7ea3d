"""The system-call entry's slow path (kernel/entry/common.c syscall_trace_enter): work a task asks for
before each of its calls runs.

A task's `syscall_work` holds SYSCALL_WORK_* bits, as Linux's thread_info's
syscall_work does; the scheduler copies them into the per-cpu word the entry
code tests (`PCPU_syscall_work`). With none set, the entry goes straight to
the table and no Python runs for it. With any set, entry_SYSCALL_64 and
entry_INT80_compat call a trap before the table; its hook here does the work
and returns in rax the number the entry then dispatches: -1 skips the call,
leaving in regs->ax what the work put there.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.kernel import seccomp, signals

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.machine import Machine

SYSCALL_WORK_SECCOMP: Final = 1 << 0

MASK64: Final = (1 << 64) - 1
_Q = struct.Struct("<Q")
#: pt_regs from ->r10 to ->orig_ax, and from ->bp to ->orig_ax (as trap.py reads them).
_ARGS64 = struct.Struct("<9Q")
_ARGS32 = struct.Struct("<12Q")
_R10, _BP, _AX, _ORIG_AX, _IP = (abi.PT_OFFSET[name] for name in ("r10", "bp", "ax", "orig_ax", "ip"))


def set_work(task: Task, bits: int) -> None:
    """Turn `bits` on for `task`; at once in the per-cpu word when it is the one running."""
    task.syscall_work |= bits
    machine = task.machine
    if machine.current is task:
        load(machine, task)


def load(machine: Machine, task: Task) -> None:
    """The scheduler's part: the running task's bits where the entry code looks. Only seccomp's: ptrace's
    bits (kernel/ptrace.py) share `task.syscall_work` but are the Python trap's, so they must not send
    every call of a traced task through the entry's seccomp trap as well."""
    _Q.pack_into(machine.ram.mem, machine.percpu_pa + abi.PCPU_SYSCALL_WORK,
                 task.syscall_work & SYSCALL_WORK_SECCOMP)


def forked(parent: Task, child: Task) -> None:
    """copy_seccomp: the child runs under the parent's mode and filters."""
    child.seccomp_mode, child.seccomp_filter = parent.seccomp_mode, parent.seccomp_filter
    if parent.seccomp_mode:
        child.syscall_work |= SYSCALL_WORK_SECCOMP


def install(machine: Machine) -> None:
    """The hooks of both entries' traps."""
    write_rax = machine.cpu.reg_writer(x86.UC_X86_REG_RAX)
    for ia32, symbol in ((False, "__x64_syscall_work_trap"), (True, "__ia32_syscall_work_trap")):
        machine.cpu.on_code(machine.kernel.symbol(symbol), _trap(machine, write_rax, ia32=ia32))


def _trap(machine: Machine, write_rax: Callable[[int], None], *, ia32: bool) -> Callable[[], None]:
    def on_trap() -> None:
        task = machine.current
        assert task is not None
        write_rax(syscall_trace_enter(machine, task, ia32=ia32) & MASK64)

    return on_trap


def syscall_trace_enter(machine: Machine, task: Task, *, ia32: bool) -> int:
    """The number to dispatch (-1: none) after the work `task` asked for."""
    mem, regs = machine.ram.mem, task.regs_pa
    if ia32:
        bp, bx, _r11, _r10, _r9, _r8, _ax, cx, dx, si, di, orig_ax = _ARGS32.unpack_from(mem, regs + _BP)
        args = (bx, cx, dx, si, di, bp)
    else:
        r10, r9, r8, _ax, _cx, dx, si, di, orig_ax = _ARGS64.unpack_from(mem, regs + _R10)
        args = (di, si, dx, r10, r8, r9)
    nr = ((orig_ax & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000  # syscall_get_nr: an int
    if task.syscall_work & SYSCALL_WORK_SECCOMP:
        (ip,) = _Q.unpack_from(mem, regs + _IP)
        verdict = seccomp.secure_computing(task, nr, args, ip, ia32=ia32)
        if verdict.skip:
            _Q.pack_into(mem, regs + _AX, (orig_ax if verdict.ret is None else verdict.ret) & MASK64)
            if task.status is None and task.sigpending:
                signals.deliver(task)  # SIGSYS: the call is skipped, so no handler's exit work will
            return -1
    return int(orig_ax if not ia32 else orig_ax & 0xFFFFFFFF)
