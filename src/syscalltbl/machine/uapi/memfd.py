"""memfd_create's flags (include/uapi/linux/memfd.h) and its name rules (mm/memfd.c)."""

from __future__ import annotations

from typing import Final

MFD_CLOEXEC: Final = 0x0001
MFD_ALLOW_SEALING: Final = 0x0002
MFD_HUGETLB: Final = 0x0004
MFD_NOEXEC_SEAL: Final = 0x0008  # mode without exec bits, and F_SEAL_EXEC
MFD_EXEC: Final = 0x0010
MFD_ALL_FLAGS: Final = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC
MFD_HUGE_SHIFT: Final = 26  # a huge page size's log2, with MFD_HUGETLB
MFD_HUGE_MASK: Final = 0x3F

MFD_NAME_PREFIX: Final = b"memfd:"
MFD_NAME_MAX_LEN: Final = 255 - len(MFD_NAME_PREFIX)  # NAME_MAX less the prefix

# vm.memfd_noexec (MEMFD_NOEXEC_SCOPE_*): what memfd_create does without MFD_EXEC or MFD_NOEXEC_SEAL.
MEMFD_NOEXEC_SCOPE_EXEC: Final = 0  # as MFD_EXEC
MEMFD_NOEXEC_SCOPE_NOEXEC_SEAL: Final = 1  # as MFD_NOEXEC_SEAL
MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED: Final = 2  # as MFD_NOEXEC_SEAL, and MFD_EXEC is refused
