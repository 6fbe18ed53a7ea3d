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

# msync
MS_ASYNC: Final = 1
MS_INVALIDATE: Final = 2
MS_SYNC: Final = 4

# mremap
MREMAP_MAYMOVE: Final = 1
MREMAP_FIXED: Final = 2
MREMAP_DONTUNMAP: Final = 4

# mlockall, mlock2
MCL_CURRENT: Final = 1
MCL_FUTURE: Final = 2
MCL_ONFAULT: Final = 4
MLOCK_ONFAULT: Final = 1

# madvise advice
MADV_NORMAL: Final = 0
MADV_RANDOM: Final = 1
MADV_SEQUENTIAL: Final = 2
MADV_WILLNEED: Final = 3
MADV_DONTNEED: Final = 4
MADV_FREE: Final = 8
MADV_REMOVE: Final = 9
MADV_DONTFORK: Final = 10
MADV_DOFORK: Final = 11
MADV_MERGEABLE: Final = 12
MADV_UNMERGEABLE: Final = 13
MADV_HUGEPAGE: Final = 14
MADV_NOHUGEPAGE: Final = 15
MADV_DONTDUMP: Final = 16
MADV_DODUMP: Final = 17
MADV_WIPEONFORK: Final = 18
MADV_KEEPONFORK: Final = 19
MADV_COLD: Final = 20
MADV_PAGEOUT: Final = 21
MADV_POPULATE_READ: Final = 22
MADV_POPULATE_WRITE: Final = 23
MADV_DONTNEED_LOCKED: Final = 24
MADV_COLLAPSE: Final = 25
MADV_GUARD_INSTALL: Final = 102  # the pages become guards: any access is SIGSEGV
MADV_GUARD_REMOVE: Final = 103

MAX_LFS_FILESIZE: Final = (1 << 63) - 1  # LLONG_MAX on 64-bit: the largest size a regular file can have
