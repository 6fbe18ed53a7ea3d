"""A new program's initial stack: its strings, then argc, argv, envp and the auxiliary vector
(fs/exec.c's copy_strings and binfmt_elf.c's create_elf_tables, randomization off).

From the top down: a NULL word, the name exec was given (AT_EXECFN), the
environment's strings, argv's strings; then, 16-byte aligned, the platform
string "x86_64", 16 random bytes (AT_RANDOM), and below them the table
itself, its start (argc) 16-byte aligned.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.cpuid import hwcap
from syscalltbl.machine.kernel.binfmt_elf import Loaded
from syscalltbl.machine.kernel.mm import STACK_TOP, VDSO_BASE, Mm
from syscalltbl.machine.kernel.signals import FRAME_SIZE, FXSAVE_SIZE
from syscalltbl.machine.uapi.auxvec import (
    AT_BASE,
    AT_CLKTCK,
    AT_EGID,
    AT_ENTRY,
    AT_EUID,
    AT_EXECFN,
    AT_FLAGS,
    AT_GID,
    AT_HWCAP,
    AT_HWCAP2,
    AT_MINSIGSTKSZ,
    AT_NULL,
    AT_PAGESZ,
    AT_PHDR,
    AT_PHENT,
    AT_PHNUM,
    AT_PLATFORM,
    AT_RANDOM,
    AT_SECURE,
    AT_SYSINFO_EHDR,
    AT_UID,
    HWCAP2_FSGSBASE,
)
from syscalltbl.machine.uapi.elf import PHDR
from syscalltbl.store.record import Frozen

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.cred import Creds
    from syscalltbl.machine.machine import Machine

PLATFORM = b"x86_64"  # ELF_PLATFORM
CLOCKS_PER_SEC = 100  # USER_HZ: what times() counts in
CR4_FSGSBASE = 1 << 16
#: get_sigframe_size() for this machine's frames (an fxsave image, no xsave): the rt_sigframe and the
#: FPU state with the padding each may need to align, rounded to 16 as init_sigframe_size does.
SIGFRAME_SIZE = (FRAME_SIZE + 15 + FXSAVE_SIZE + 63 + 15) & ~15


class InitialStack(Frozen):
    sp: int  # %rsp at the entry point: on argc
    arg_start: int  # argv's strings, /proc/PID/cmdline
    arg_end: int

    __slots__ = _fields = ("sp", "arg_start", "arg_end")

    def __init__(self, sp: int, arg_start: int, arg_end: int) -> None:
        object.__setattr__(self, "sp", sp)
        object.__setattr__(self, "arg_start", arg_start)
        object.__setattr__(self, "arg_end", arg_end)


def hwcap2(machine: Machine) -> int:
    """ELF_HWCAP2: FSGSBASE when the kernel let user mode use wrfsbase (CR4.FSGSBASE), as Linux sets it."""
    return HWCAP2_FSGSBASE if machine.cpu.reg(x86.UC_X86_REG_CR4) & CR4_FSGSBASE else 0


def auxiliary_vector(machine: Machine, loaded: Loaded, cred: Creds, platform: int, random: int,
                     execfn: int, *, secure: bool = False) -> list[tuple[int, int]]:
    """The (key, value) pairs Linux's create_elf_tables puts on the stack, in its order (no AT_RSEQ_*: no rseq)."""
    return [
        (AT_SYSINFO_EHDR, VDSO_BASE), (AT_MINSIGSTKSZ, SIGFRAME_SIZE),  # ARCH_DLINFO
        (AT_HWCAP, hwcap()), (AT_PAGESZ, PAGE_SIZE), (AT_CLKTCK, CLOCKS_PER_SEC),
        (AT_PHDR, loaded.phdr), (AT_PHENT, PHDR.size), (AT_PHNUM, loaded.phnum), (AT_BASE, loaded.base),
        (AT_FLAGS, 0), (AT_ENTRY, loaded.e_entry),
        (AT_UID, cred.uid), (AT_EUID, cred.euid), (AT_GID, cred.gid), (AT_EGID, cred.egid),
        (AT_SECURE, int(secure)),  # a set-id program: its libc ignores LD_* and the like
        (AT_RANDOM, random), (AT_HWCAP2, hwcap2(machine)), (AT_EXECFN, execfn), (AT_PLATFORM, platform),
        (AT_NULL, 0),
    ]


def build(machine: Machine, mm: Mm, loaded: Loaded, cred: Creds, argv: Sequence[bytes], envp: Sequence[bytes],
          execfn: bytes, *, secure: bool = False) -> InitialStack:
    """Write the initial stack into `mm` (whose stack area is mapped); where it ends up."""
    strings = b"".join(s + b"\0" for s in [*argv, *envp, execfn])
    top = STACK_TOP - 8  # bprm->p starts one pointer below the top
    start = top - len(strings)
    offsets = []
    at = start
    for s in [*argv, *envp, execfn]:
        offsets.append(at)
        at += len(s) + 1
    argv_p, envp_p, execfn_p = offsets[: len(argv)], offsets[len(argv) : -1], offsets[-1]
    arg_end = envp_p[0] if envp_p else execfn_p
    p = start & ~15  # arch_align_stack
    p -= len(PLATFORM) + 1
    platform = p
    p -= 16
    random = p
    auxv = auxiliary_vector(machine, loaded, cred, platform, random, execfn_p, secure=secure)
    words = [len(argv), *argv_p, 0, *envp_p, 0, *(v for pair in auxv for v in pair)]
    sp = (p - 8 * len(words)) & ~15
    mm.poke(sp, struct.pack(f"<{len(words)}Q", *words))
    mm.poke(random, os.urandom(16) + PLATFORM + b"\0")
    mm.poke(start, strings + bytes(8))
    return InitialStack(sp, start, arg_end)
