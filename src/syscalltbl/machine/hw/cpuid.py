"""What the emulated cpu's `cpuid` answers, asked of the cpu model itself (AT_HWCAP is leaf 1's EDX)."""

from __future__ import annotations

from functools import cache

from syscalltbl.machine.hw.cpu import scratch_cpu


@cache
def cpuid(leaf: int, subleaf: int = 0) -> tuple[int, int, int, int]:
    """(eax, ebx, ecx, edx) of `cpuid` on the cpu model every Machine's Cpu is (Unicorn's default x86-64 one).

    Run once on the scratch engine of that model (the clock's TSC reader's, hw/cpu.py), so the answer is the
    emulation's, not the host's nor a table's.
    """
    return scratch_cpu().cpuid(leaf, subleaf)


def hwcap() -> int:
    """ELF_HWCAP on x86: the features of cpuid leaf 1 in EDX (boot_cpu_data.x86_capability[CPUID_1_EDX])."""
    return cpuid(1)[3]
