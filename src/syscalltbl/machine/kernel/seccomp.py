"""Secure computing (kernel/seccomp.c): strict mode, filters, and their verdict at each system call.

A task's mode and filters ride on it (`Task.seccomp_mode`, `seccomp_filter`):
fork and clone give the child the parent's, execve keeps them, and they only
ever grow. A filter is a checked classic BPF program (kernel/bpf_classic.py)
over struct seccomp_data; it is immutable, so children share it, and each one
links to the filters installed before it.

While a task has a mode its SYSCALL_WORK_SECCOMP bit is set
(kernel/syscall_work.py), and the entry code calls `secure_computing` before
the table's handler: strict mode lets read, write, exit and (rt_)sigreturn
through and kills the thread for anything else; filter mode runs every
filter, newest first, and acts on the most restrictive answer. Kills and
SIGSYS are the same signals Linux sends; SECCOMP_RET_TRACE with no tracer
and SECCOMP_RET_USER_NOTIF with no listener (this kernel makes none) fail
the call with ENOSYS, as Linux does then.
"""

from __future__ import annotations

import struct
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel import bpf_classic, signals
from syscalltbl.machine.kernel.bpf_classic import (
    BPF_ABS,
    BPF_ALU,
    BPF_IMM,
    BPF_JMP,
    BPF_LD,
    BPF_LDX,
    BPF_LEN,
    BPF_MEM,
    BPF_MISC,
    BPF_RET,
    BPF_ST,
    BPF_STX,
    BPF_W,
    Insn,
)
from syscalltbl.machine.kernel.process import ExitStatus
from syscalltbl.machine.kernel.xattr import Charge
from syscalltbl.machine.uapi.errno import EINVAL, ENOMEM, ENOSYS, Errno
from syscalltbl.machine.uapi.seccomp import (
    AUDIT_ARCH_I386,
    AUDIT_ARCH_X86_64,
    SECCOMP_DATA_SIZE,
    SECCOMP_MODE_DISABLED,
    SECCOMP_MODE_FILTER,
    SECCOMP_MODE_STRICT,
    SECCOMP_RET_ACTION_FULL,
    SECCOMP_RET_ALLOW,
    SECCOMP_RET_DATA,
    SECCOMP_RET_ERRNO,
    SECCOMP_RET_KILL_THREAD,
    SECCOMP_RET_LOG,
    SECCOMP_RET_TRACE,
    SECCOMP_RET_TRAP,
    SECCOMP_RET_USER_NOTIF,
    SYS_SECCOMP,
)
from syscalltbl.machine.uapi.signal import SIGKILL, SIGSYS
from syscalltbl.store.record import Record, Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

#: A task in this mode has been killed by seccomp and runs no more calls (SECCOMP_MODE_DEAD).
SECCOMP_MODE_DEAD: Final = SECCOMP_MODE_FILTER + 1
#: The instructions one system call may run through a task's filters, each filter counting 4 more.
MAX_INSNS_PER_PATH: Final = 32768
MAX_ERRNO: Final = 4095
#: struct seccomp_filter and struct bpf_prog beside the instructions: what a filter costs the kernel.
FILTER_BYTES: Final = 512
#: Strict mode's calls (mode1_syscalls, mode1_syscalls_32): read, write, exit, rt_sigreturn; on the i386
#: table read, write, exit and sigreturn.
STRICT_CALLS: Final = frozenset({0, 1, 60, 15})
STRICT_CALLS_32: Final = frozenset({3, 4, 1, 119})

_SECCOMP_DATA = struct.Struct("<iIQ6Q")
_SIGSYS = struct.Struct("<iii4xQiI")


def _release(charge: Charge) -> None:
    charge.add(-charge.bytes)


class Filter(Record):
    """struct seccomp_filter: a checked program, the filter installed before it, and SECCOMP_FILTER_FLAG_LOG.
    Never changed once attached: the tasks that inherit it share it, and its charge goes with the last."""

    prog: tuple[Insn, ...]
    prev: Filter | None
    log: bool
    charge: Charge

    _fields = ("prog", "prev", "log", "charge")

    def __init__(
        self,
        prog: tuple[Insn, ...],
        prev: Filter | None,
        log: bool = False,
        charge: Charge | None = None,
    ) -> None:
        self.prog = prog
        self.prev = prev
        self.log = log
        self.charge = Charge(None) if charge is None else charge

    def chain(self) -> list[Filter]:
        out: list[Filter] = []
        walker: Filter | None = self
        while walker is not None:
            out.append(walker)
            walker = walker.prev
        return out


def action_only(ret: int) -> int:
    """ACTION_ONLY: the action part as a signed number, so that KILL_PROCESS is the most restrictive."""
    full = ret & SECCOMP_RET_ACTION_FULL
    return full - (1 << 32) if full & 0x80000000 else full


def check_filter(prog: list[Insn]) -> list[Insn]:
    """seccomp_check_filter: only the opcodes a seccomp program may use, loads aligned words of
    struct seccomp_data; BPF_LEN loads become its size."""
    checked = []
    for insn in prog:
        code, jt, jf, k = insn
        if code == BPF_LD | BPF_W | BPF_ABS:
            if k >= SECCOMP_DATA_SIZE or k & 3:
                raise Errno(EINVAL)
        elif code == BPF_LD | BPF_W | BPF_LEN:
            insn = Insn((BPF_LD | BPF_IMM, jt, jf, SECCOMP_DATA_SIZE))
        elif code == BPF_LDX | BPF_W | BPF_LEN:
            insn = Insn((BPF_LDX | BPF_IMM, jt, jf, SECCOMP_DATA_SIZE))
        elif code not in _SECCOMP_CODES:
            raise Errno(EINVAL)
        checked.append(insn)
    return checked


_SECCOMP_CODES: Final = frozenset(
    [BPF_RET | 0x00, BPF_RET | 0x10]
    + [BPF_ALU | op | src for op in (0x00, 0x10, 0x20, 0x30, 0x50, 0x40, 0xA0, 0x60, 0x70) for src in (0x00, 0x08)]
    + [BPF_ALU | 0x80, BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM, BPF_MISC | 0x00, BPF_MISC | 0x80]
    + [BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX, BPF_JMP | 0x00]
    + [BPF_JMP | op | src for op in (0x10, 0x20, 0x30, 0x40) for src in (0x00, 0x08)])


def prepare_filter(task: Task, raw: bytes, *, log: bool) -> Filter:
    """bpf_prog_create_from_user with seccomp's checks: EINVAL for a program Linux refuses, ENOMEM when RAM
    has no room for it. The caller has checked the length and the caller's right to filter."""
    prog = bpf_classic.decode(raw)
    bpf_classic.check_classic(prog)
    checked = tuple(check_filter(prog))
    ram = task.machine.ram
    charge = Charge(weakref.ref(ram))
    size = FILTER_BYTES + len(raw)
    if not charge.fits(size):
        raise Errno(ENOMEM)
    charge.add(size)
    made = Filter(checked, None, log, charge)
    weakref.finalize(made, _release, charge).atexit = False
    return made


def attach(task: Task, made: Filter) -> Filter:
    """seccomp_attach_filter's length check and linking: the filter on top of the task's, ENOMEM past
    MAX_INSNS_PER_PATH in all."""
    total = len(made.prog) + sum(len(f.prog) + 4 for f in (task.seccomp_filter.chain() if task.seccomp_filter
                                                             else []))
    if total > MAX_INSNS_PER_PATH:
        raise Errno(ENOMEM)
    made.prev = task.seccomp_filter
    return made


def may_assign_mode(task: Task, mode: int) -> bool:
    """seccomp_may_assign_mode: a task keeps the mode it has."""
    return task.seccomp_mode in (SECCOMP_MODE_DISABLED, mode)


def is_ancestor(parent: Filter | None, child: Filter | None) -> bool:
    """Whether `parent` is `child` or one of the filters below it (None is everyone's ancestor)."""
    if parent is None:
        return True
    walker = child
    while walker is not None:
        if walker is parent:
            return True
        walker = walker.prev
    return False


def run_filters(top: Filter, data: bytes) -> int:
    """seccomp_run_filters: every filter's answer, the most restrictive kept (the newest among equals)."""
    ret = SECCOMP_RET_ALLOW
    words = struct.unpack("<16I", data)

    def load_word(k: int) -> int:
        return int(words[k >> 2])

    walker: Filter | None = top
    while walker is not None:
        answer = bpf_classic.run(walker.prog, load_word)
        if action_only(answer) < action_only(ret):
            ret = answer
        walker = walker.prev
    return ret


def seccomp_data(nr: int, arch: int, ip: int, args: Sequence[int]) -> bytes:
    return _SECCOMP_DATA.pack(nr, arch, ip, *args)


def sigsys_info(reason: int, nr: int, arch: int, call_addr: int) -> bytes:
    """The siginfo of a seccomp SIGSYS (seccomp_init_siginfo): si_errno the filter's data, si_call_addr,
    si_syscall and si_arch."""
    return _SIGSYS.pack(SIGSYS, reason, SYS_SECCOMP, call_addr, nr, arch).ljust(signals.SIGINFO_SIZE, b"\0")


class Verdict(Value):
    """What the entry does next: run the call (`skip` False), or skip it with `ret` in regs->ax (None: the
    number the call came with, syscall_rollback's ax)."""

    skip: bool
    ret: int | None

    _fields = ("skip", "ret")

    def __init__(self, skip: bool, ret: int | None = None) -> None:
        self.skip = skip
        self.ret = ret


def secure_computing(task: Task, nr: int, args: Sequence[int], ip: int, *, ia32: bool) -> Verdict:
    """__secure_computing at the entry of system call `nr` (an int) of the running task."""
    mode = task.seccomp_mode
    if mode == SECCOMP_MODE_STRICT:
        if nr in (STRICT_CALLS_32 if ia32 else STRICT_CALLS):
            return Verdict(False)
        task.seccomp_mode = SECCOMP_MODE_DEAD
        task.machine.do_exit(task, _thread_status(SIGKILL, "seccomp strict mode"))
        return Verdict(True)
    if mode != SECCOMP_MODE_FILTER or task.seccomp_filter is None:
        if mode == SECCOMP_MODE_DEAD:
            task.machine.do_exit(task, _thread_status(SIGKILL, "seccomp: call after death"))
            return Verdict(True)
        return Verdict(False)
    arch = AUDIT_ARCH_I386 if ia32 else AUDIT_ARCH_X86_64
    ret = run_filters(task.seccomp_filter, seccomp_data(nr, arch, ip, args))
    action, data = ret & SECCOMP_RET_ACTION_FULL, ret & SECCOMP_RET_DATA
    if action == SECCOMP_RET_ERRNO:
        return Verdict(True, -min(data, MAX_ERRNO))
    if action == SECCOMP_RET_TRAP:
        # syscall_rollback: the handler sees the registers as they entered, ax holding the number.
        signals.force_sig_info(task, SIGSYS, sigsys_info(data, nr, arch, ip))
        return Verdict(True)
    if action in (SECCOMP_RET_TRACE, SECCOMP_RET_USER_NOTIF):
        # No tracer asked for PTRACE_EVENT_SECCOMP, no listener exists: the call fails.
        return Verdict(True, -ENOSYS)
    if action in (SECCOMP_RET_LOG, SECCOMP_RET_ALLOW):
        return Verdict(False)  # LOG: the audit log it writes to is not in this kernel
    # KILL_THREAD, KILL_PROCESS and any unknown action.
    task.seccomp_mode = SECCOMP_MODE_DEAD
    live = sum(1 for thread in task.group.threads if thread.status is None)
    if action == SECCOMP_RET_KILL_THREAD and live > 1:
        task.machine.do_exit(task, _thread_status(SIGSYS, "seccomp: thread killed"))
    else:
        task.kill(SIGSYS, "SIGSYS (seccomp)")  # force_sig_seccomp with a core dump: the whole process
    return Verdict(True)


def _thread_status(signal: int, detail: str) -> ExitStatus:
    return ExitStatus(None, signal, detail)
