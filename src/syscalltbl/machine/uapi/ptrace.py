"""ptrace's requests, options, events and layouts (include/uapi/linux/ptrace.h, arch/x86/include/uapi/asm/ptrace-abi.h,
include/uapi/linux/elf.h's note types, sys/user.h's struct user)."""

from __future__ import annotations

import struct
from typing import Final

PTRACE_TRACEME: Final = 0
PTRACE_PEEKTEXT: Final = 1
PTRACE_PEEKDATA: Final = 2
PTRACE_PEEKUSR: Final = 3
PTRACE_POKETEXT: Final = 4
PTRACE_POKEDATA: Final = 5
PTRACE_POKEUSR: Final = 6
PTRACE_CONT: Final = 7
PTRACE_KILL: Final = 8
PTRACE_SINGLESTEP: Final = 9
PTRACE_GETREGS: Final = 12
PTRACE_SETREGS: Final = 13
PTRACE_GETFPREGS: Final = 14
PTRACE_SETFPREGS: Final = 15
PTRACE_ATTACH: Final = 16
PTRACE_DETACH: Final = 17
PTRACE_SYSCALL: Final = 24
PTRACE_ARCH_PRCTL: Final = 30
PTRACE_SETOPTIONS: Final = 0x4200
PTRACE_GETEVENTMSG: Final = 0x4201
PTRACE_GETSIGINFO: Final = 0x4202
PTRACE_SETSIGINFO: Final = 0x4203
PTRACE_GETREGSET: Final = 0x4204
PTRACE_SETREGSET: Final = 0x4205
PTRACE_SEIZE: Final = 0x4206
PTRACE_INTERRUPT: Final = 0x4207
PTRACE_LISTEN: Final = 0x4208
PTRACE_GETSIGMASK: Final = 0x420A
PTRACE_SETSIGMASK: Final = 0x420B

PTRACE_O_TRACESYSGOOD: Final = 1
PTRACE_O_TRACEFORK: Final = 2
PTRACE_O_TRACEVFORK: Final = 4
PTRACE_O_TRACECLONE: Final = 8
PTRACE_O_TRACEEXEC: Final = 0x10
PTRACE_O_TRACEVFORKDONE: Final = 0x20
PTRACE_O_TRACEEXIT: Final = 0x40
PTRACE_O_TRACESECCOMP: Final = 0x80
PTRACE_O_EXITKILL: Final = 0x100000
PTRACE_O_SUSPEND_SECCOMP: Final = 0x200000
PTRACE_O_MASK: Final = 0xFF | PTRACE_O_EXITKILL | PTRACE_O_SUSPEND_SECCOMP

PTRACE_EVENT_FORK: Final = 1
PTRACE_EVENT_VFORK: Final = 2
PTRACE_EVENT_CLONE: Final = 3
PTRACE_EVENT_EXEC: Final = 4
PTRACE_EVENT_VFORK_DONE: Final = 5
PTRACE_EVENT_EXIT: Final = 6
PTRACE_EVENT_STOP: Final = 128

#: include/linux/ptrace.h's task->ptrace bits (the options live apart, in Task.ptrace_options).
PT_PTRACED: Final = 0x1
PT_SEIZED: Final = 0x10000

#: ELF note types of the register sets (PTRACE_GETREGSET's addr).
NT_PRSTATUS: Final = 1
NT_PRFPREG: Final = 2
NT_X86_XSTATE: Final = 0x202

#: struct user_regs_struct: pt_regs' 21 words, then fs_base, gs_base, ds, es, fs, gs.
USER_REGS: Final[tuple[str, ...]] = (
    "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8",
    "ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss",
    "fs_base", "gs_base", "ds", "es", "fs", "gs",
)  # fmt: skip
USER_REGS_STRUCT: Final = struct.Struct(f"<{len(USER_REGS)}Q")
#: struct user_fpregs_struct: the fxsave image.
USER_FPREGS_SIZE: Final = 512
#: struct user: its size, and where u_debugreg[8] lies in it.
SIZEOF_USER: Final = 928  # the kernel's: glibc's sys/user.h lacks its error_code and fault_address
U_DEBUGREG: Final = 848
