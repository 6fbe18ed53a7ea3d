"""prctl and arch_prctl options (include/uapi/linux/prctl.h, arch/x86/include/uapi/asm/prctl.h)."""

from __future__ import annotations

from typing import Final

PR_SET_PDEATHSIG: Final = 1
PR_GET_PDEATHSIG: Final = 2
PR_GET_DUMPABLE: Final = 3
PR_SET_DUMPABLE: Final = 4
PR_GET_KEEPCAPS: Final = 7
PR_SET_KEEPCAPS: Final = 8
PR_SET_NAME: Final = 15
PR_GET_NAME: Final = 16
PR_CAPBSET_READ: Final = 23
PR_CAPBSET_DROP: Final = 24

ARCH_SET_GS: Final = 0x1001
ARCH_SET_FS: Final = 0x1002
ARCH_GET_FS: Final = 0x1003
ARCH_GET_GS: Final = 0x1004
ARCH_GET_CPUID: Final = 0x1011
ARCH_SET_CPUID: Final = 0x1012
PR_GET_TSC: Final = 25
PR_SET_TSC: Final = 26
PR_TSC_ENABLE: Final = 1  # rdtsc allowed
PR_TSC_SIGSEGV: Final = 2  # rdtsc raises SIGSEGV
PR_SET_TIMERSLACK: Final = 29
PR_GET_TIMERSLACK: Final = 30
PR_SET_CHILD_SUBREAPER: Final = 36
PR_GET_CHILD_SUBREAPER: Final = 37
PR_SET_NO_NEW_PRIVS: Final = 38
PR_GET_NO_NEW_PRIVS: Final = 39
