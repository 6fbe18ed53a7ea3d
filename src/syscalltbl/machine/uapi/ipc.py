"""System V IPC: shared memory numbers and structures (include/uapi/linux/ipc.h, shm.h, asm-generic/shmbuf.h).

x86-64's layouts, 64-bit only (no IPC_64 version bit: the 64-bit system calls take the commands as they are).
"""

from __future__ import annotations

import struct
from typing import Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE

IPC_PRIVATE: Final = 0
IPC_CREAT: Final = 0o1000
IPC_EXCL: Final = 0o2000
IPC_NOWAIT: Final = 0o4000

IPC_RMID: Final = 0
IPC_SET: Final = 1
IPC_STAT: Final = 2
IPC_INFO: Final = 3

SHM_HUGETLB: Final = 0o4000
SHM_NORESERVE: Final = 0o10000
SHM_RDONLY: Final = 0o10000
SHM_RND: Final = 0o20000
SHM_REMAP: Final = 0o40000
SHM_EXEC: Final = 0o100000
SHM_LOCK: Final = 11
SHM_UNLOCK: Final = 12
SHM_STAT: Final = 13
SHM_INFO: Final = 14
SHM_STAT_ANY: Final = 15
SHM_DEST: Final = 0o1000  # in shm_perm.mode: removed, gone at the last detach
SHM_LOCKED: Final = 0o2000

SHMLBA: Final = PAGE_SIZE  # x86: attach addresses are page-aligned
# The defaults of include/uapi/linux/shm.h (kernel.shmmax, shmall, shmmni).
SHMMIN: Final = 1
SHMMNI: Final = 4096
SHMMAX: Final = (1 << 64) - 1 - (1 << 24)
SHMALL: Final = (1 << 64) - 1 - (1 << 24)  # pages
SHMSEG: Final = SHMMNI
IPC_ID_SEQ: Final = 1 << 15  # ipcmni_seq_shift: an id is seq * this + index
IPCMNI: Final = IPC_ID_SEQ  # the most objects of one kind: msgmni, semmni and shmmni are at most this

#: struct ipc64_perm (48 bytes): key, uid, gid, cuid, cgid, mode, seq, (pad to 8), __unused1, __unused2.
IPC64_PERM: Final = struct.Struct("<iIIIIIHxx4xQQ")
#: struct shmid64_ds: shm_perm (ipc64_perm), shm_segsz, shm_atime, shm_dtime, shm_ctime, shm_cpid,
#: shm_lpid, shm_nattch, __unused4, __unused5 (112 bytes).
SHMID64_DS: Final = struct.Struct("<iIIIIIHxx4xQQ" "Qqqqii" "QQQ")
#: struct shminfo64: shmmax, shmmin, shmmni, shmseg, shmall, __unused1..4.
SHMINFO64: Final = struct.Struct("<9Q")
#: struct shm_info: used_ids, shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes.
SHM_INFO_STRUCT: Final = struct.Struct("<i4x5Q")
