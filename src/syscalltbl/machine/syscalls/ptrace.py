"""ptrace(2): kernel/ptrace.c's ptrace_request and arch/x86/kernel/ptrace.c's arch_ptrace.

The tracer-tracee link and the stops live in kernel/ptrace.py; this file is
the requests: attaching (TRACEME, ATTACH, SEIZE), resuming (CONT, SYSCALL,
SINGLESTEP, DETACH, KILL, INTERRUPT), the tracee's memory (PEEK/POKE TEXT
and DATA, with FOLL_FORCE: a read-only private page is copied and written),
its registers (PEEKUSR/POKEUSR over struct user, GETREGS/SETREGS,
GETFPREGS/SETFPREGS, GETREGSET/SETREGSET's NT_PRSTATUS and NT_PRFPREG),
its debug registers (kernel/hwbreak.py's checks), and its stop's siginfo,
signal mask, options and event message. Every request but TRACEME, ATTACH
and SEIZE needs a tracee of the caller's in a ptrace stop (ESRCH otherwise).
"""

from __future__ import annotations

import struct

from syscalltbl.generators.x86_64.abi import TASK_SIZE_MAX, USER_CS, USER_DS
from syscalltbl.machine.kernel import hwbreak, ptrace, signals
from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.ptrace_access import SUID_DUMP_USER, ptrace_may_access
from syscalltbl.machine.kernel.uaccess import access_ok, copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_PTRACE
from syscalltbl.machine.uapi.errno import EINVAL, EIO, ENODEV, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.ptrace import (
    NT_PRFPREG,
    NT_PRSTATUS,
    NT_X86_XSTATE,
    PT_PTRACED,
    PT_SEIZED,
    PTRACE_ATTACH,
    PTRACE_CONT,
    PTRACE_DETACH,
    PTRACE_EVENT_STOP,
    PTRACE_GETEVENTMSG,
    PTRACE_GETFPREGS,
    PTRACE_GETREGS,
    PTRACE_GETREGSET,
    PTRACE_GETSIGINFO,
    PTRACE_GETSIGMASK,
    PTRACE_INTERRUPT,
    PTRACE_KILL,
    PTRACE_O_MASK,
    PTRACE_O_SUSPEND_SECCOMP,
    PTRACE_PEEKDATA,
    PTRACE_PEEKTEXT,
    PTRACE_PEEKUSR,
    PTRACE_POKEDATA,
    PTRACE_POKETEXT,
    PTRACE_POKEUSR,
    PTRACE_SEIZE,
    PTRACE_SETFPREGS,
    PTRACE_SETOPTIONS,
    PTRACE_SETREGS,
    PTRACE_SETREGSET,
    PTRACE_SETSIGINFO,
    PTRACE_SETSIGMASK,
    PTRACE_SINGLESTEP,
    PTRACE_SYSCALL,
    PTRACE_TRACEME,
    SIZEOF_USER,
    U_DEBUGREG,
    USER_FPREGS_SIZE,
    USER_REGS,
    USER_REGS_STRUCT,
)
from syscalltbl.machine.uapi.signal import CLD_TRAPPED, NSIG, SI_KERNEL, SIGKILL, SIGSEGV, SIGTRAP
from syscalltbl.machine.uapi.structs import IOVEC

_Q = struct.Struct("<Q")
#: arch/x86/kernel/ptrace.c's FLAG_MASK: the rflags bits a tracer may change.
FLAG_MASK = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x10000 | 0x40000
MXCSR_OFFSET = 24
MXCSR_FEATURE_MASK = 0xFFFF
_SEGMENTS = ("ds", "es", "fs", "gs")  # 0 in a 64-bit task: the selectors nothing here ever loads


@syscall("sys_ptrace")
def sys_ptrace(t: Task, request: int, pid: int, addr: int, data: int, *_: int) -> int:
    if request == PTRACE_TRACEME:
        return _traceme(t)
    child = find_task_vpid(t, s32(pid))
    if child is None:
        raise Errno(ESRCH)
    if request in (PTRACE_ATTACH, PTRACE_SEIZE):
        _attach(t, child, seize=request == PTRACE_SEIZE, addr=addr, flags=data)
        return 0
    _check_attach(t, child, ignore_state=request in (PTRACE_KILL, PTRACE_INTERRUPT))
    return _request(t, child, request, addr, data)


def _traceme(t: Task) -> int:
    """The caller's parent traces it from now on (ptrace_traceme)."""
    parent = t.parent
    if t.ptrace or parent is None or parent.status is not None:
        raise Errno(EPERM)
    ptrace.link(t, parent, PT_PTRACED, 0)
    return 0


def _attach(t: Task, child: Task, *, seize: bool, addr: int, flags: int) -> None:
    """ptrace_attach's checks, then the link (kernel/ptrace.py's attach)."""
    if seize:
        if addr or flags & ~PTRACE_O_MASK:
            raise Errno(EIO)  # unknown options: EIO here, EINVAL for SETOPTIONS, as Linux has always had it
        if flags & PTRACE_O_SUSPEND_SECCOMP:
            raise Errno(EINVAL)  # a kernel without CONFIG_CHECKPOINT_RESTORE's say
    if child.group is t.group or not ptrace_may_access(t, child):
        raise Errno(EPERM)
    if child.status is not None or child.ptrace:
        raise Errno(EPERM)
    ptrace.attach(child, t, seize=seize, options=flags if seize else 0)


def _check_attach(t: Task, child: Task, *, ignore_state: bool) -> None:
    """ptrace_check_attach: the caller's tracee, and (but for KILL and INTERRUPT) in a ptrace stop."""
    if not child.ptrace or child.tracer is not t or child.status is not None:
        raise Errno(ESRCH)
    if not ignore_state and not (child.stopped and child.traced_stop):
        raise Errno(ESRCH)


def _request(t: Task, child: Task, request: int, addr: int, data: int) -> int:
    if request in (PTRACE_PEEKTEXT, PTRACE_PEEKDATA):
        word = _read_word(t, child, addr)
        copy_to_user(t.mm, data, _Q.pack(word))
        return 0
    if request in (PTRACE_POKETEXT, PTRACE_POKEDATA):
        _write_word(t, child, addr, data)
        return 0
    if request == PTRACE_PEEKUSR:
        copy_to_user(t.mm, data, _Q.pack(_peek_user(child, addr)))
        return 0
    if request == PTRACE_POKEUSR:
        _poke_user(child, addr, data)
        return 0
    if request == PTRACE_GETREGS:
        copy_to_user(t.mm, data, _get_regs(child))
        return 0
    if request == PTRACE_SETREGS:
        _set_regs(child, copy_from_user(t.mm, data, USER_REGS_STRUCT.size))
        return 0
    if request == PTRACE_GETFPREGS:
        copy_to_user(t.mm, data, t.machine.fpu_state(child))
        return 0
    if request == PTRACE_SETFPREGS:
        _set_fpregs(child, copy_from_user(t.mm, data, USER_FPREGS_SIZE))
        return 0
    if request in (PTRACE_GETREGSET, PTRACE_SETREGSET):
        _regset(t, child, addr, data, write=request == PTRACE_SETREGSET)
        return 0
    if request == PTRACE_GETSIGINFO:
        if child.last_siginfo is None:
            raise Errno(EINVAL)
        copy_to_user(t.mm, data, child.last_siginfo)
        return 0
    if request == PTRACE_SETSIGINFO:
        info = copy_from_user(t.mm, data, signals.SIGINFO_SIZE)
        if child.last_siginfo is None:
            raise Errno(EINVAL)
        child.last_siginfo = info
        return 0
    if request == PTRACE_GETSIGMASK:
        if addr != signals.KERNEL_SIGSET_SIZE:
            raise Errno(EINVAL)
        copy_to_user(t.mm, data, _Q.pack(child.signals.blocked))
        return 0
    if request == PTRACE_SETSIGMASK:
        if addr != signals.KERNEL_SIGSET_SIZE:
            raise Errno(EINVAL)
        (mask,) = _Q.unpack(copy_from_user(t.mm, data, signals.KERNEL_SIGSET_SIZE))
        signals.set_blocked(child, mask)
        return 0
    if request == PTRACE_SETOPTIONS:
        if data & ~PTRACE_O_MASK or data & PTRACE_O_SUSPEND_SECCOMP:
            raise Errno(EINVAL)
        child.ptrace_options = data
        return 0
    if request == PTRACE_GETEVENTMSG:
        copy_to_user(t.mm, data, _Q.pack(child.ptrace_message))
        return 0
    if request in (PTRACE_CONT, PTRACE_SYSCALL, PTRACE_SINGLESTEP, PTRACE_DETACH):
        if not 0 <= data <= NSIG:
            raise Errno(EIO)
        _resume(child, data, syscall=request == PTRACE_SYSCALL, step=request == PTRACE_SINGLESTEP)
        if request == PTRACE_DETACH:
            ptrace.unlink(child)
        return 0
    if request == PTRACE_KILL:
        if child.stopped and child.traced_stop:
            _resume(child, SIGKILL, syscall=False, step=False)
        return 0
    if request == PTRACE_INTERRUPT:
        if not child.ptrace & PT_SEIZED:
            raise Errno(EIO)
        if not child.stopped:
            # JOBCTL_TRAP_STOP: it stops for its tracer as if at its next return to user mode.
            code = SIGTRAP | PTRACE_EVENT_STOP << 8
            signals.ptrace_stop(child, code, CLD_TRAPPED, ptrace.trap_info(child, code), signals.GROUP_STOP)
        return 0
    raise Errno(EIO)


def _resume(child: Task, data: int, *, syscall: bool, step: bool) -> None:
    """ptrace_resume, after putreg's leniency: a return address outside user space ends in SIGSEGV, as the
    iretq Linux would take faults on it."""
    ptrace.resume(child, data, syscall=syscall, step=step)
    if child.pt_regs()["ip"] >= TASK_SIZE_MAX and child.status is None:
        signals.force(child, SIGSEGV, signals.siginfo(SIGSEGV, SI_KERNEL))


# -- memory: ptrace_access_vm with FOLL_FORCE --


def _vm_allowed(t: Task, child: Task) -> bool:
    """ptrace_access_vm's own check: the caller traces it, and it is dumpable or the caller is privileged."""
    return child.tracer is t and (child.dumpable == SUID_DUMP_USER or t.cred.capable(CAP_SYS_PTRACE))


def _read_word(t: Task, child: Task, addr: int) -> int:
    if not _vm_allowed(t, child) or not access_ok(addr, 8):
        raise Errno(EIO)
    try:
        return int(_Q.unpack(copy_from_user(child.mm, addr, 8))[0])
    except Errno:
        raise Errno(EIO) from None


def _write_word(t: Task, child: Task, addr: int, value: int) -> None:
    """A write that ignores a private page's protection (the page is copied first, as for a breakpoint in
    text); a shared mapping takes it only if it may ever be written (VM_MAYWRITE)."""
    mm = child.mm
    if not _vm_allowed(t, child) or not access_ok(addr, 8) or not mm.covers(addr, addr + 8):
        raise Errno(EIO)
    if any(v.shared and not v.maywrite for v in mm.vmas_in(addr, addr + 8)):
        raise Errno(EIO)
    try:
        mm.poke(addr, _Q.pack(value & (1 << 64) - 1))
    except (ValueError, MemoryError) as exc:
        raise Errno(EIO) from exc


# -- registers: struct user_regs_struct over pt_regs, struct user, the regsets --


def _get_reg(child: Task, name: str, regs: dict[str, int]) -> int:
    """getreg: pt_regs' words, the fs and gs bases, and the segment selectors of a 64-bit task."""
    if name == "fs_base":
        return child.fs_base
    if name == "gs_base":
        return child.gs_base
    if name in _SEGMENTS:
        return 0
    return regs[name]


def _put_reg(child: Task, name: str, value: int, regs: dict[str, int]) -> None:
    """putreg: the flags a tracer may change, bases inside user space; the selectors only as they are (a
    64-bit task here runs with one code and one stack segment, and no data selectors)."""
    value &= (1 << 64) - 1
    if name == "flags":
        regs["flags"] = (regs["flags"] & ~FLAG_MASK) | (value & FLAG_MASK)
    elif name in ("fs_base", "gs_base"):
        if value >= TASK_SIZE_MAX:
            raise Errno(EIO)
        setattr(child, name, value)
    elif name in _SEGMENTS:
        if value:
            raise Errno(EIO)
    elif name in ("cs", "ss"):
        if value != (USER_CS if name == "cs" else USER_DS):
            raise Errno(EIO)
    else:
        regs[name] = value


def _get_regs(child: Task) -> bytes:
    regs = child.pt_regs()
    return USER_REGS_STRUCT.pack(*(_get_reg(child, name, regs) for name in USER_REGS))


def _set_regs(child: Task, raw: bytes, count: int = len(USER_REGS)) -> None:
    """genregs_set: register by register, the first refusal ending it (those before it stay set)."""
    regs = child.pt_regs()
    try:
        for name, value in zip(USER_REGS[:count], USER_REGS_STRUCT.unpack(raw.ljust(USER_REGS_STRUCT.size, b"\0")),
                               strict=False):
            _put_reg(child, name, value, regs)
    finally:
        child.set_pt_regs(regs)


def _set_fpregs(child: Task, image: bytes) -> None:
    """xfpregs_set: an MXCSR with reserved bits set is refused (fxrstor would fault on it)."""
    (mxcsr,) = struct.unpack_from("<I", image, MXCSR_OFFSET)
    if mxcsr & ~MXCSR_FEATURE_MASK:
        raise Errno(EINVAL)
    child.machine.set_fpu_state(child, image)


def _peek_user(child: Task, addr: int) -> int:
    if addr & 7 or not 0 <= addr < SIZEOF_USER:
        raise Errno(EIO)
    if addr < USER_REGS_STRUCT.size:
        return _get_reg(child, USER_REGS[addr // 8], child.pt_regs())
    if U_DEBUGREG <= addr < U_DEBUGREG + 64:
        return hwbreak.get_debugreg(child, (addr - U_DEBUGREG) // 8)
    return 0


def _poke_user(child: Task, addr: int, value: int) -> None:
    if addr & 7 or not 0 <= addr < SIZEOF_USER:
        raise Errno(EIO)
    if addr < USER_REGS_STRUCT.size:
        regs = child.pt_regs()
        _put_reg(child, USER_REGS[addr // 8], value, regs)
        child.set_pt_regs(regs)
    elif U_DEBUGREG <= addr < U_DEBUGREG + 64:
        hwbreak.set_debugreg(child, (addr - U_DEBUGREG) // 8, value & (1 << 64) - 1)
    else:
        raise Errno(EIO)


def _regset(t: Task, child: Task, note: int, uiov: int, *, write: bool) -> None:
    """ptrace_regset: the iovec's length, a multiple of the set's word (8), is cut to the set's size and
    written back."""
    base, length = IOVEC.unpack(copy_from_user(t.mm, uiov, IOVEC.size))
    if note == NT_PRSTATUS:
        size = USER_REGS_STRUCT.size
    elif note == NT_PRFPREG:
        size = USER_FPREGS_SIZE
    elif note == NT_X86_XSTATE:
        raise Errno(ENODEV)  # xstateregs_get on a cpu without XSAVE: the machine keeps the fxsave image only
    else:
        raise Errno(EINVAL)
    if length % 8:
        raise Errno(EINVAL)
    length = min(length, size)
    if write:
        raw = copy_from_user(t.mm, base, length)
        if note == NT_PRSTATUS:
            _set_regs(child, raw, length // 8)
        else:
            _set_fpregs(child, (raw + t.machine.fpu_state(child)[length:])[:USER_FPREGS_SIZE])
    else:
        image = _get_regs(child) if note == NT_PRSTATUS else t.machine.fpu_state(child)
        copy_to_user(t.mm, base, image[:length])
    copy_to_user(t.mm, uiov + 8, _Q.pack(length))

