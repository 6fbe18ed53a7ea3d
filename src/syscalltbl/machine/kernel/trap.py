"""Traps: the two system-call entries, their one Python step (dispatch), exit work, and exceptions.

arch/x86/entry/common.c and arch/x86/kernel/traps.c, as far as Python does
them. A system call from ring 3 crosses into Python once, with no libunicorn
call:

1. `syscall` hook (Unicorn performs no ring switch): store the next RIP for
   the stand-in microcode and resume at the call-gate trampoline (1 register
   read, 1 register write). It is machine code (image/syscallhook.py), so
   no Python runs for it. From there the emulated cpu does everything:
   gate -> syscall_microcode -> entry_SYSCALL_64 -> do_syscall_64 ->
   sys_call_table[nr] -> a generated stub.
2. Stubs of Python-implemented calls jump to one trap address. Its code
   hook, machine code too (image/traphook.py), reads the clock for system
   time, loads the number and the arguments from the running task's pt_regs
   in RAM, calls `dispatch` with them and stores its answer in regs->ax.
   sysretq then runs emulated.

`int $0x80` (the i386 numbering, as on Linux with IA32_EMULATION) takes the
same shape: the interrupt hook resumes at a second call-gate trampoline
(gate -> int80_microcode -> entry_INT80_compat -> do_int80_syscall_32 ->
ia32_sys_call_table[nr]), whose Python stubs trap at their own address into
the same `dispatch`, with the i386 argument registers; iretq returns.
"""

from __future__ import annotations

import ctypes
import functools
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw.cpu import Cpu
from syscalltbl.machine.hw.paging import PTE_P
from syscalltbl.machine.image.syscallhook import SYMBOL as SYSCALL_HOOK
from syscalltbl.machine.image.syscallhook import build_syscall_hook
from syscalltbl.machine.image.traphook import SYMBOL as TRAP_HOOK
from syscalltbl.machine.image.traphook import build_trap_hook
from syscalltbl.machine.kernel import faults, oops, ptrace, signals
from syscalltbl.machine.kernel.boot import KernelOops, kpa
from syscalltbl.machine.kernel.faults import DEBUG, PAGE_FAULT, TRAP_SIGNALS
from syscalltbl.machine.kernel.process import Task, signame
from syscalltbl.machine.kernel.ptrace import SYSCALL_WORK_PTRACE
from syscalltbl.machine.kernel.userfault import Fault, user_fault
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.errno import Errno
from syscalltbl.machine.uapi.signal import SIGBUS, SIGSEGV

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

SYSCALL_INSN_LEN = 2
MASK64 = (1 << 64) - 1
M32 = (1 << 32) - 1
#: pt_regs names -> the cpu's registers, for a context taken straight from ring 3.
USER_REG_IDS: Mapping[str, int] = {name: getattr(x86, f"UC_X86_REG_{reg}") for name, reg in (
    ("r8", "R8"), ("r9", "R9"), ("r10", "R10"), ("r11", "R11"), ("r12", "R12"), ("r13", "R13"),
    ("r14", "R14"), ("r15", "R15"), ("di", "RDI"), ("si", "RSI"), ("bp", "RBP"), ("bx", "RBX"),
    ("dx", "RDX"), ("ax", "RAX"), ("cx", "RCX"), ("sp", "RSP"), ("ip", "RIP"), ("flags", "EFLAGS"))}  # fmt: skip

_Q = struct.Struct("<Q")
#: pt_regs from ->r10 to ->orig_ax: every argument register, and the number as do_syscall_64 indexes with it,
#: (unsigned int)nr, its low half. ->ax and ->cx are skipped: every value unpacked is an int made.
_ARGS64 = struct.Struct("<3Q16x3QI4x")
#: pt_regs from ->bp to ->orig_ax: the i386 argument registers' low halves (zero-extended, as the i386 ABI
#: passes them; ->r11 to ->ax skipped), and the number.
_ARGS32 = struct.Struct("<I4xI4x40xI4xI4xI4xI4xQ")
_R10, _BP, _AX, _ORIG_AX = (abi.PT_OFFSET[r] for r in ("r10", "bp", "ax", "orig_ax"))


#: The dispatch as the trap's hook calls it: (nr, a0, ..., a5) -> what regs->ax becomes.
Dispatch = Callable[[int, int, int, int, int, int, int], int]
_DISPATCH_CB = ctypes.CFUNCTYPE(ctypes.c_uint64, *(ctypes.c_uint64,) * 7)


def dispatch(machine: Machine, table: Sequence[Callable[..., int]], *, ia32: bool, restart_trap: int) -> Dispatch:
    """The Python step of a system call, for one ABI's table: called by the trap's hook at its stubs' trap
    address (image/traphook.py), which loads the number and the arguments from pt_regs and stores what
    this answers in regs->ax.

    The 64-bit ABI passes rdi, rsi, rdx, r10, r8, r9 and do_syscall_64
    indexes with (unsigned int)nr; the i386 ABI passes ebx, ecx, edx, esi,
    edi, ebp, zero-extended, and do_int80_syscall_32 has bounds-checked
    orig_ax. A call that must wait raises Sleep: the task parks and the call
    runs again, through `restart_trap`, when it is woken. A task with work
    beside its calls (a tracer's stops, seccomp's) takes `worked_call`.
    """
    mem, ram, stop, park, pack_q = machine.ram.mem, machine.ram, machine.cpu.stop, machine.cpu.park, _Q.pack_into
    args64, args32 = _ARGS64.unpack_from, _ARGS32.unpack_from

    def on_trap(nr: int, a0: int, a1: int, a2: int, a3: int, a4: int, a5: int) -> int:
        # Called from the trap's machine code through a ctypes callback: nothing may unwind out of it.
        try:
            task = machine.current
            if task is None:
                raise KernelOops("a system call trap with no task running")
            # One test of an integer that is 0 for nearly every task.
            if task.syscall_work:
                return worked_call(task, task.regs_pa)
            try:
                ret: int = table[nr](task, a0, a1, a2, a3, a4, a5)
            except Errno as exc:
                ret = -exc.errno
            except Sleep as sleep:
                task.sleep = sleep
                task.restart_trap = restart_trap
                stop()
                return current_ax(task)
            except (Exception, SystemExit) as exc:
                # A project's body that raised: an oops that kills this task alone (do_exit stops the cpu).
                if not oops.confine(machine, task, exc, ia32=ia32):
                    raise
                return current_ax(task)
            if task.syscall_work or task.sigpending or ram.stale_code:
                pack_q(mem, task.regs_pa + _AX, ret & MASK64)  # first: a signal frame saves it
                return call_exit_work(task)
            return ret
        except BaseException as exc:
            park(exc)
            return current_ax(machine.current)

    def current_ax(task: Task | None) -> int:
        """What regs->ax holds: the hook stores it back, so that a call that did not complete leaves it as is."""
        return _Q.unpack_from(mem, task.regs_pa + _AX)[0] if task is not None else 0

    def call_exit_work(task: Task) -> int:
        """The exit work of a call whose result is in regs->ax; regs->ax after it."""
        # Read again: the call may have made an event.
        if task.syscall_work & SYSCALL_WORK_PTRACE and ptrace.syscall_exit(task):
            park_traced(machine, task)
        elif task.sigpending or ram.stale_code:
            exit_work(machine, task)
        return current_ax(task)

    def worked_call(task: Task, regs: int) -> int:
        """A call of a task with syscall work: the tracer's entry and exit stops around the body, whose
        arguments are read after the entry stop (the tracer may have changed them)."""
        # Seccomp's bit shares the word but its work was done in the entry, before this trap.
        work = task.syscall_work & SYSCALL_WORK_PTRACE
        if work and not syscall_enter_work(task, regs, len(table)):
            return current_ax(task)
        if not work or task.syscall_stop:
            # The body's outcomes are handled as in the untraced path above, written out again there
            # rather than shared through a function: a call more per system call is measurable.
            try:
                if ia32:
                    bp, bx, cx, dx, si, di, orig_ax = args32(mem, regs + _BP)
                    ret = table[orig_ax](task, bx, cx, dx, si, di, bp)
                else:
                    r10, r9, r8, dx, si, di, nr = args64(mem, regs + _R10)
                    ret = table[nr](task, di, si, dx, r10, r8, r9)
            except Errno as exc:
                ret = -exc.errno
            except Sleep as sleep:
                task.sleep = sleep
                task.restart_trap = restart_trap
                stop()
                return current_ax(task)
            except (Exception, SystemExit) as exc:
                if not oops.confine(machine, task, exc, ia32=ia32):
                    raise
                return current_ax(task)
            pack_q(mem, regs + _AX, ret & MASK64)
        return call_exit_work(task)

    def syscall_enter_work(task: Task, regs: int, table_size: int) -> bool:
        """syscall_trace_enter: False when the task stopped at the call's entry; it parks on the trap,
        which runs the call again once it is resumed. Else `task.syscall_stop` says whether the body
        runs: not when the tracer named no call (ptrace.skipped)."""
        if not ptrace.syscall_enter(task):
            task.sleep = Sleep(lambda: True)
            task.restart_trap = restart_trap
            stop()
            return False
        if ptrace.skipped(_Q.unpack_from(mem, regs + _ORIG_AX)[0], table_size, ia32=ia32):
            task.syscall_stop = ptrace.SYSCALL_IDLE
        return True

    return on_trap


class _SyscallHook(ctypes.Structure):
    # Shared with the hook's assembly (image/syscallhook.py): same order, 64-bit words.
    _fields_ = [("reg_read", ctypes.c_void_p), ("reg_write", ctypes.c_void_p), ("rip_id", ctypes.c_uint64),
                ("next_rip", ctypes.c_void_p), ("resume", ctypes.c_uint64)]  # fmt: skip


class _TrapHook(ctypes.Structure):
    # Shared with the hook's assembly (image/traphook.py): same order, 64-bit words.
    _fields_ = [("clock_gettime", ctypes.c_void_p), ("dispatch", ctypes.c_void_p), ("clock", ctypes.c_void_p),
                ("regs", ctypes.c_void_p), ("mask", ctypes.c_uint64), ("ax", ctypes.c_uint64),
                ("nr", ctypes.c_uint64), ("args", ctypes.c_uint64 * 6)]  # fmt: skip


@functools.cache
def _syscall_hook_function() -> ctypes.c_void_p:
    """The hook's machine code, loaded once per process (ctypes never unloads a library)."""
    return ctypes.cast(getattr(ctypes.CDLL(str(build_syscall_hook())), SYSCALL_HOOK), ctypes.c_void_p)


@functools.cache
def _trap_hook_function() -> ctypes.c_void_p:
    """The trap hook's machine code, loaded once per process."""
    return ctypes.cast(getattr(ctypes.CDLL(str(build_trap_hook())), TRAP_HOOK), ctypes.c_void_p)


@functools.cache
def _clock_gettime() -> int:
    """Where the C library's clock_gettime is (for the trap hook's clock reads)."""
    address = ctypes.cast(ctypes.CDLL(None).clock_gettime, ctypes.c_void_p).value
    assert address is not None
    return address


#: Each ABI's argument registers in pt_regs, in order, and their mask.
_ABI_ARGS = {False: (("di", "si", "dx", "r10", "r8", "r9"), MASK64),
             True: (("bx", "cx", "dx", "si", "di", "bp"), M32)}  # fmt: skip


def _on_trap(machine: Machine, address: int, dispatch: Dispatch, *, ia32: bool) -> None:
    """The dispatch at its trap `address`, called by the trap hook (image/traphook.py)."""
    names, mask = _ABI_ARGS[ia32]
    args = (ctypes.c_uint64 * 6)(*(abi.PT_OFFSET[name] for name in names))
    hook = _TrapHook(_clock_gettime(), machine.cpu.callback_address(_DISPATCH_CB(dispatch)),
                     ctypes.addressof(machine.syscall_clock), ctypes.addressof(machine.trap_regs), mask, _AX,
                     _ORIG_AX, args)  # fmt: skip
    machine.cpu.on_code_native(address, _trap_hook_function(), hook)


#: The pt_regs the trap's hook reads and writes before any task is switched in: zeros, not address 0 (a trap
#: then finds no current task and stops the machine with an error, instead of crashing the process).
_NO_REGS = (ctypes.c_uint64 * (abi.PT_REGS_SIZE // 8))()


def switched_in(machine: Machine, task: Task) -> None:
    """The trap's hook finds the arguments of `task`'s calls, and stores their results, in its pt_regs."""
    machine.trap_regs.value = machine.ram.host_address + task.regs_pa


def install(machine: Machine) -> None:
    """The hooks of both entries, of #UD and of port I/O."""
    cpu, mem, sym = machine.cpu, machine.ram.mem, machine.kernel.symbol
    read_rip = cpu.reg_reader(x86.UC_X86_REG_RIP)
    write_rip = cpu.reg_writer(x86.UC_X86_REG_RIP)
    pack_q = _Q.pack_into
    int80_next_rip = kpa(machine, "int80_next_rip")
    int80_trampoline = sym("int80_gate_trampoline")
    ia32_trap = sym("__ia32_python_trap")
    # syscall_next_rip := RIP + 2; RIP := the trampoline, less the length Unicorn then adds.
    syscall_hook = _SyscallHook(Cpu.function_address("uc_reg_read"), Cpu.function_address("uc_reg_write"),
                                x86.UC_X86_REG_RIP, machine.ram.host_address + kpa(machine, "syscall_next_rip"),
                                sym("syscall_gate_trampoline") - SYSCALL_INSN_LEN)  # fmt: skip

    def on_interrupt(vector: int) -> None:
        # Unicorn has already moved RIP past the 2-byte `int`, as the
        # return address an interrupt gate pushes (no length to add).
        user = machine.current is not None and cpu.cpl() == 3
        if vector == abi.IA32_SYSCALL_VECTOR and machine.ia32_emulation and user:
            pack_q(mem, int80_next_rip, read_rip())
            write_rip(int80_trampoline)
            return
        # A vector without a user-accessible IDT entry: #GP, as the cpu raises.
        on_exception(machine, 13 if vector == abi.IA32_SYSCALL_VECTOR else vector)

    cpu.on_syscall_native(_syscall_hook_function(), syscall_hook)
    machine.trap_regs.value = ctypes.addressof(_NO_REGS)
    # The 64-bit path restarts through its own trap, the default (restart_trap 0).
    _on_trap(machine, sym("__x64_python_trap"), dispatch(machine, machine.dispatch, ia32=False, restart_trap=0),
             ia32=False)
    cpu.on_interrupt(on_interrupt)
    _on_trap(machine, ia32_trap, dispatch(machine, machine.ia32_dispatch, ia32=True, restart_trap=ia32_trap),
             ia32=True)
    cpu.on_invalid_insn(lambda vector: on_exception(machine, vector))  # as #UD, vector 6
    cpu.on_port_io(lambda port: on_port_io(machine, port))


def park_traced(machine: Machine, task: Task) -> None:
    """The task stopped for its tracer at a call's exit: it parks with the call complete (a fresh one, after
    execve, starts its program once resumed)."""
    if not task.fresh and task.sleep is None:
        task.sleep = Sleep(lambda: True, restart=False)
    machine.cpu.stop()


def exit_work(machine: Machine, task: Task) -> None:
    """What a system call's return to user mode must do first, off the common path (exit_to_user_mode_loop).

    Pending signals are delivered. If the call wrote over translated code,
    the task stops with its call complete, as vfork's parent parks, and
    the scheduler flushes the translation cache before it resumes: the
    cache cannot be flushed while the cpu runs (QEMU frees the code it
    is executing).
    """
    if task.sigpending and task.status is None:
        signals.deliver(task)
        if task.stopped:
            park_traced(machine, task)  # a stop signal, or a tracer's signal-delivery-stop
            return
    if not machine.ram.stale_code:
        return
    # An execve that succeeded left the task fresh (its new program starts from pt_regs, through
    # resume_fresh) and the cpu stopped: parking it as a finished call would resume it in the middle
    # of the old program's kernel path, on a stack that no longer holds it.
    if task.status is None and task.sleep is None and not task.fresh:
        task.sleep = Sleep(lambda: True, restart=False)
    machine.cpu.stop()


def on_port_io(machine: Machine, _port: int) -> int:
    # Unicorn skips the I/O permission check (SDM vol. 1, 19.5); do it
    # here. Our TSS has no I/O bitmap, so CPL > IOPL means #GP.
    iopl = (machine.cpu.reg(x86.UC_X86_REG_EFLAGS) >> 12) & 3
    if machine.cpu.cpl() > iopl:
        # Not a QEMU exception but a hook in the middle of a translated
        # block: the block runs on after it, so no handler can be entered
        # here, and the #GP is fatal even with a SIGSEGV handler.
        on_exception(machine, 13, catchable=False)
    return 0xFFFFFFFF  # no devices: reads float high


def on_exception(machine: Machine, vector: int, *, catchable: bool = True) -> None:
    rip = machine.cpu.reg(x86.UC_X86_REG_RIP)
    where = f"rip={rip:#x}"
    task = machine.current
    user = task is not None and machine.cpu.cpl() == 3
    userfault = Fault.NOT_MINE
    if vector == PAGE_FAULT:
        cr2 = machine.cpu.reg(x86.UC_X86_REG_CR2)
        page = cr2 & ~(abi.PAGE_SIZE - 1)
        # Did this machine page the page in for this very instruction, which faulted again?
        refault = task is not None and task.demand_paged == (rip, page) and bool(task.mm.lookup(page) & PTE_P)
        # ... unless this kernel made it present but shut to this access (copy on write, a shared code page).
        refault = refault and task is not None and not task.mm.protection_pending(page)
        if task is not None:
            task.demand_paged = None
        if refault and task is not None and user:
            task.mm.drop_page(page)  # Linux would never have mapped it: a denied access leaves it absent
            machine.cpu.flush_tlb()
        if user and task is not None and not refault and task.status is None:
            userfault = user_fault(task, cr2, rip, lambda name: user_register(machine, name))
            if userfault is Fault.HELD:
                # handle_userfault: the task waits in the kernel (task.fault_wait, see kernel/sched.py)
                # and then runs the instruction again.
                task.restart_at = rip
                machine.cpu.stop()
                return
        # Demand paging: the first touch of an area's page (stack growth
        # included). Returning re-executes the faulting instruction.
        if user and task is not None and not refault and userfault is Fault.NOT_MINE and task.mm.fault_in(cr2, False):
            # Stop and re-enter at the faulting instruction: returning from
            # the hook would leave QEMU's old_exception set, and the next
            # fault would be promoted to a double fault.
            task.restart_at = rip
            task.demand_paged = (rip, page)
            task.times.minflt += 1
            machine.cpu.stop()
            return
        if user and task is not None and task.status is not None:
            task.restart_vector = vector  # the OOM killer chose the faulting process (kernel/oom.py)
            return
        where += f" addr={cr2:#x}"
    if vector == DEBUG and not user and rip in machine.gate_microcode:
        # A single-step trap right after the far call of a user with TF set: the
        # syscall instruction would have masked TF. The flag is dropped, not
        # restored on return: single-stepping ends at a system call.
        flags = machine.cpu.reg(x86.UC_X86_REG_EFLAGS)
        machine.cpu.set_reg(x86.UC_X86_REG_EFLAGS, flags & ~abi.X86_EFLAGS["X86_EFLAGS_TF"])
        return
    if task is None or not user:
        raise KernelOops(f"exception {vector} in ring 0 at {where}")
    signal = TRAP_SIGNALS.get(vector, SIGSEGV)
    if vector == PAGE_FAULT:
        err = faults.page_fault_error_code(task.mm, cr2, rip, lambda name: user_register(machine, name), absent=refault)
        if userfault is not Fault.NOT_MINE or (task.mm.past_end(cr2) and faults.area_allows(task.mm, cr2, err)):
            # A mapped file's page past its end (mm/filemap.c's VM_FAULT_SIGBUS), for an access the
            # area allows: access_error's SIGSEGV comes first (a write to a read-only mapping of it).
            # So is a userfaultfd's answer with UFFD_FEATURE_SIGBUS, and a poisoned page's.
            signal = SIGBUS
        info = faults.page_fault_info(task.mm, signal, cr2)
        if userfault is Fault.POISONED:
            info = faults.poison_info(cr2)
    else:
        info, err, cr2 = faults.trap_info(signal, vector, rip), 0, 0
    if catchable and task.ptrace:
        # Its tracer sees the signal first (a signal-delivery-stop, sched.interrupted), as for any signal.
        signals.force(task, signal, info)
        task.restart_at, task.restart_vector = machine.cpu.reg(x86.UC_X86_REG_RIP), vector
        machine.cpu.stop()
        return
    if catchable and signals.fault(task, signal, info, vector, err, cr2):
        # Into the handler, still in ring 3: as after a served page fault,
        # only QEMU's record of this exception has to go.
        task.restart_at, task.restart_vector = machine.cpu.reg(x86.UC_X86_REG_RIP), vector
        machine.cpu.stop()
        return
    task.kill(signal, f"{signame(signal)} (exception {vector}) at {where}")
    task.restart_vector = vector  # its record goes as the cpu leaves ring 3 (sched.enter_fatal_fault)


def user_register(machine: Machine, name: str) -> int:
    """A ring-3 register by capstone's name for it (rax, r8d, fs_base, ...)."""
    return machine.cpu.reg(getattr(x86, f"UC_X86_REG_{name.upper()}"))


def user_registers(machine: Machine) -> dict[str, int]:
    """The running task's registers while the cpu is stopped in ring 3 (on a fault)."""
    return {name: machine.cpu.reg(regid) for name, regid in USER_REG_IDS.items()}


def set_user_registers(machine: Machine, regs: dict[str, int]) -> None:
    for name, regid in USER_REG_IDS.items():
        machine.cpu.set_reg(regid, regs[name])


