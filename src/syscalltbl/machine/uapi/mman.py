"""Memory mappings: protections and mmap flags (include/uapi/asm-generic/mman-common.h, mman.h)."""

from __future__ import annotations

from typing import Final

PROT_NONE: Final = 0
PROT_READ: Final = 0x1
PROT_WRITE: Final = 0x2
PROT_EXEC: Final = 0x4
PROT_SEM: Final = 0x8  # accepted and ignored on x86

MAP_SHARED: Final = 0x01
MAP_PRIVATE: Final = 0x02
MAP_SHARED_VALIDATE: Final = 0x03
MAP_TYPE: Final = 0x0F
MAP_FIXED: Final = 0x10
MAP_ANONYMOUS: Final = 0x20
MAP_32BIT: Final = 0x40
MAP_UNINITIALIZED: Final = 0x4000000
MAP_GROWSDOWN: Final = 0x100
MAP_DENYWRITE: Final = 0x800
MAP_EXECUTABLE: Final = 0x1000
MAP_LOCKED: Final = 0x2000
MAP_NORESERVE: Final = 0x4000
MAP_POPULATE: Final = 0x8000
MAP_NONBLOCK: Final = 0x10000
MAP_STACK: Final = 0x20000
MAP_HUGETLB: Final = 0x40000
MAP_SYNC: Final = 0x80000
MAP_FIXED_NOREPLACE: Final = 0x100000

# What MAP_SHARED_VALIDATE accepts (LEGACY_MAP_MASK | MAP_SYNC in mm/mmap.c): anything else is EOPNOTSUPP.
MAP_SHARED_VALIDATE_KNOWN: Final = (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE
                                    | MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED
                                    | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB)
