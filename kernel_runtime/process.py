"""Tasks: identity, memory, open files, and how they end."""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from syscalltbl.generators.x86_64 import abi
from syscalltbl.kernel_runtime.cpu import Cpu
from syscalltbl.kernel_runtime.elfimage import Image
from syscalltbl.kernel_runtime.mm import STACK_TOP, Mm

SIGILL = 4
SIGTRAP = 5
SIGFPE = 8
SIGSEGV = 11
SIGNAMES = {SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGFPE: "SIGFPE", SIGSEGV: "SIGSEGV"}

# include/uapi/linux/auxvec.h
AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY = 0, 3, 4, 5, 6, 7, 8, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_PLATFORM, AT_HWCAP, AT_CLKTCK = 11, 12, 13, 14, 15, 16, 17
AT_SECURE, AT_RANDOM, AT_EXECFN = 23, 25, 31

USER_RFLAGS = abi.X86_EFLAGS["X86_EFLAGS_IF"] | abi.X86_EFLAGS["X86_EFLAGS_FIXED"]


@dataclass(frozen=True, slots=True)
class ExitStatus:
    """How a task ended: exactly one of `code` and `signal` is set."""

    code: int | None
    signal: int | None = None
    detail: str = ""

    @property
    def wait_status(self) -> int:
        """The status word wait4() would report (WEXITSTATUS / WTERMSIG)."""
        return (self.code or 0) << 8 if self.signal is None else self.signal


class Task:
    """A single-threaded process."""

    def __init__(self, cpu: Cpu, pid: int, ppid: int, mm: Mm, kstack_top: int, regs_pa: int) -> None:
        self.cpu = cpu
        self.pid = self.tid = pid
        self.ppid = ppid
        self.mm = mm
        self.kstack_top = kstack_top  # TSS.sp0 and cpu_current_top_of_stack while running
        self.regs_pa = regs_pa  # struct pt_regs at the top of the kernel stack, in RAM
        self.files: dict[int, int] = {}  # fd -> host fd
        self.status: ExitStatus | None = None

    def exit(self, code: int) -> None:
        self.status = ExitStatus(code & 0xFF)
        self.cpu.stop()

    def kill(self, signal: int, detail: str) -> None:
        self.status = ExitStatus(None, signal, detail)
        self.cpu.stop()

    def pt_regs(self) -> dict[str, int]:
        """The saved user registers, read from kernel-stack memory."""
        values = struct.unpack_from(f"<{len(abi.PT_REGS)}Q", self.mm.ram.mem, self.regs_pa)
        return dict(zip(abi.PT_REGS, values, strict=True))

    def exec(self, image: Image, argv: Sequence[bytes], envp: Sequence[bytes]) -> None:
        """Load `image` and make the pt_regs that the first sysret returns through."""
        self.mm.load(image)
        self.mm.map_stack()
        sp = self._initial_stack(image, argv, envp)
        regs = dict.fromkeys(abi.PT_REGS, 0)
        regs.update(ip=image.entry, cs=abi.USER_CS, flags=USER_RFLAGS, sp=sp, ss=abi.USER_DS)
        regs.update(cx=image.entry, r11=USER_RFLAGS)
        struct.pack_into(f"<{len(abi.PT_REGS)}Q", self.mm.ram.mem, self.regs_pa, *regs.values())

    def _initial_stack(self, image: Image, argv: Sequence[bytes], envp: Sequence[bytes]) -> int:
        """The System V initial stack: argc, argv, envp, auxv, then the strings."""
        strings = bytearray()
        offsets: list[int] = []
        for s in [*argv, *envp, b"x86_64", argv[0] if argv else b""]:
            offsets.append(len(strings))
            strings += s + b"\0"
        random_off = len(strings)
        strings += os.urandom(16)
        top = (STACK_TOP - 16 - len(strings)) & ~15
        at = [top + off for off in offsets]
        argv_p, envp_p = at[: len(argv)], at[len(argv) : len(argv) + len(envp)]
        platform, execfn = at[-2], at[-1]
        auxv = [
            (AT_PHDR, image.phdr), (AT_PHENT, image.phent), (AT_PHNUM, image.phnum),
            (AT_PAGESZ, abi.PAGE_SIZE), (AT_BASE, 0), (AT_FLAGS, 0), (AT_ENTRY, image.entry),
            (AT_UID, 0), (AT_EUID, 0), (AT_GID, 0), (AT_EGID, 0), (AT_SECURE, 0),
            (AT_CLKTCK, 100), (AT_HWCAP, 0), (AT_PLATFORM, platform),
            (AT_RANDOM, top + random_off), (AT_EXECFN, execfn), (AT_NULL, 0),
        ]
        words = [len(argv), *argv_p, 0, *envp_p, 0, *(v for pair in auxv for v in pair)]
        sp = (top - 8 * len(words)) & ~15  # %rsp at _start is 16-byte aligned, on argc
        self.mm.poke(sp, struct.pack(f"<{len(words)}Q", *words))
        self.mm.poke(top, bytes(strings))
        return sp
