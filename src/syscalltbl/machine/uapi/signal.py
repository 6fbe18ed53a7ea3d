"""Signals: numbers, actions, masks, stacks and siginfo codes (x86-64).

include/uapi/asm-generic/signal.h, signal-defs.h, siginfo.h,
arch/x86/include/uapi/asm/signal.h.
"""

from __future__ import annotations

from typing import Final

SIGHUP: Final = 1
SIGINT: Final = 2
SIGQUIT: Final = 3
SIGILL: Final = 4
SIGTRAP: Final = 5
SIGABRT: Final = 6
SIGBUS: Final = 7
SIGFPE: Final = 8
SIGKILL: Final = 9
SIGUSR1: Final = 10
SIGSEGV: Final = 11
SIGUSR2: Final = 12
SIGPIPE: Final = 13
SIGALRM: Final = 14
SIGTERM: Final = 15
SIGSTKFLT: Final = 16
SIGCHLD: Final = 17
SIGCONT: Final = 18
SIGSTOP: Final = 19
SIGTSTP: Final = 20
SIGTTIN: Final = 21
SIGTTOU: Final = 22
SIGURG: Final = 23
SIGXCPU: Final = 24
SIGXFSZ: Final = 25
SIGVTALRM: Final = 26
SIGPROF: Final = 27
SIGWINCH: Final = 28
SIGIO: Final = 29
SIGPWR: Final = 30
SIGSYS: Final = 31
#: The real-time signals, SIGRTMIN..SIGRTMAX (_NSIG = 64).
SIGRTMIN: Final = 32
SIGRTMAX: Final = 64
NSIG: Final = 64

SIG_DFL: Final = 0
SIG_IGN: Final = 1

SA_NOCLDSTOP: Final = 0x1
SA_NOCLDWAIT: Final = 0x2
SA_SIGINFO: Final = 0x4
SA_RESTORER: Final = 0x04000000
SA_ONSTACK: Final = 0x08000000
SA_RESTART: Final = 0x10000000
SA_NODEFER: Final = 0x40000000
SA_RESETHAND: Final = 0x80000000

SIG_BLOCK: Final = 0
SIG_UNBLOCK: Final = 1
SIG_SETMASK: Final = 2

SS_ONSTACK: Final = 1
SS_DISABLE: Final = 2
SS_AUTODISARM: Final = 1 << 31
MINSIGSTKSZ: Final = 2048

# si_code: who sent it (siginfo.h), then per-signal codes.
SI_USER: Final = 0
SI_KERNEL: Final = 0x80
SI_TKILL: Final = -6
SI_QUEUE: Final = -1  # sigqueue, rt_sigqueueinfo
SI_ASYNCIO: Final = -4  # AIO completion
SI_SIGIO: Final = -5
ILL_ILLOPN: Final = 2
FPE_INTDIV: Final = 1
SEGV_MAPERR: Final = 1
SEGV_ACCERR: Final = 2
BUS_ADRALN: Final = 1
BUS_ADRERR: Final = 2  # a mapped file's page past its end
BUS_OBJERR: Final = 3
BUS_MCEERR_AR: Final = 4  # a hardware memory error (or a page UFFDIO_POISON marked) met by the access
TRAP_TRACE: Final = 2
CLD_EXITED: Final = 1
CLD_KILLED: Final = 2
CLD_DUMPED: Final = 3
CLD_TRAPPED: Final = 4  # a traced child stopped for its tracer
CLD_STOPPED: Final = 5
CLD_CONTINUED: Final = 6

#: Signals that report a faulting address in si_addr.
FAULT_SIGNALS: Final = frozenset({SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV})


def signal_name(sig: int) -> str | None:
    """SIGSEGV, SIGRTMIN+3, or None for a number Linux does not use."""
    if SIGRTMIN <= sig <= SIGRTMAX:
        return "SIGRTMIN" if sig == SIGRTMIN else f"SIGRTMIN+{sig - SIGRTMIN}"
    return _NAMES.get(sig)


_NAMES: Final = {
    value: name
    for name, value in list(globals().items())
    if name.startswith("SIG") and not name.startswith("SIG_") and isinstance(value, int) and 0 < value < SIGRTMIN
}
