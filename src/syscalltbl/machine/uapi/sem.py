"""System V semaphores: numbers and structures (include/uapi/linux/sem.h, arch/x86's sembuf.h), x86-64's."""

from __future__ import annotations

import struct
from typing import Final

SEM_UNDO: Final = 0o10000  # sem_flg: undone when the process exits

GETPID: Final = 11
GETVAL: Final = 12
GETALL: Final = 13
GETNCNT: Final = 14
GETZCNT: Final = 15
SETVAL: Final = 16
SETALL: Final = 17
SEM_STAT: Final = 18
SEM_INFO: Final = 19
SEM_STAT_ANY: Final = 20

# The defaults (include/uapi/linux/sem.h): kernel.sem's four, and the fixed limits.
SEMMNI: Final = 32000
SEMMSL: Final = 32000
SEMMNS: Final = SEMMNI * SEMMSL
SEMOPM: Final = 500
SEMVMX: Final = 32767
SEMAEM: Final = SEMVMX
SEMUME: Final = SEMOPM
SEMMNU: Final = SEMMNS
SEMMAP: Final = SEMMNS
SEMUSZ: Final = 20

#: struct semid64_ds (104 bytes): sem_perm (ipc64_perm), sem_otime, __unused1, sem_ctime, __unused2,
#: sem_nsems, __unused3, __unused4.
SEMID64_DS: Final = struct.Struct("<iIIIIIHxx4xQQ" "qQqQ" "QQQ")
#: struct seminfo: semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem.
SEMINFO: Final = struct.Struct("<10i")
#: struct sembuf: sem_num (unsigned short), sem_op, sem_flg (short).
SEMBUF: Final = struct.Struct("<Hhh")
