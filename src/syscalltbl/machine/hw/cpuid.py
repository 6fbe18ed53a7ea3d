"""What the emulated cpu's `cpuid` answers, asked of the cpu model itself (AT_HWCAP is leaf 1's EDX)."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from unicorn import x86_const as x86

unicorn: Any = importlib.import_module("unicorn")

_CODE = 0x1000
_CPUID = b"\x0f\xa2"


@cache
def cpuid(leaf: int, subleaf: int = 0) -> tuple[int, int, int, int]:
    """(eax, ebx, ecx, edx) of `cpuid` on the cpu model every Machine's Cpu is (Unicorn's default x86-64 one).

    Run once on a scratch engine of that model, so the answer is the emulation's, not the host's nor a table's.
    """
    uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
    uc.mem_map(_CODE, 0x1000)
    uc.mem_write(_CODE, _CPUID)
    uc.reg_write(x86.UC_X86_REG_RAX, leaf)
    uc.reg_write(x86.UC_X86_REG_RCX, subleaf)
    uc.emu_start(_CODE, _CODE + len(_CPUID))
    regs = (x86.UC_X86_REG_EAX, x86.UC_X86_REG_EBX, x86.UC_X86_REG_ECX, x86.UC_X86_REG_EDX)
    eax, ebx, ecx, edx = (int(uc.reg_read(r)) for r in regs)
    return eax, ebx, ecx, edx


def hwcap() -> int:
    """ELF_HWCAP on x86: the features of cpuid leaf 1 in EDX (boot_cpu_data.x86_capability[CPUID_1_EDX])."""
    return cpuid(1)[3]
