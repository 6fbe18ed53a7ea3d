"""The System V IPC and POSIX message queue tunables (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*).

Part of the machine's sysctl state (kernel/sysctl.py); each setter checks a
value as the kernel's handler for its /proc/sys file does.
"""

from __future__ import annotations

from typing import Final

from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.ipc import IPCMNI, SHMALL, SHMMAX, SHMMNI
from syscalltbl.machine.uapi.msg import MSGMAX, MSGMNB, MSGMNI
from syscalltbl.machine.uapi.sem import SEMMNI, SEMMNS, SEMMSL, SEMOPM
from syscalltbl.store.record import Value

INT_MAX: Final = (1 << 31) - 1

# include/linux/ipc_namespace.h: fs.mqueue's defaults and bounds.
DFLT_QUEUESMAX: Final = 256
DFLT_MSG: Final = 10
DFLT_MSGMAX: Final = 10
HARD_MSGMAX: Final = 65536
MIN_MSGMAX: Final = 1
DFLT_MSGSIZE: Final = 8192
DFLT_MSGSIZEMAX: Final = 8192
HARD_MSGSIZEMAX: Final = 16 * 1024 * 1024
MIN_MSGSIZEMAX: Final = 128
HARD_QUEUESMAX: Final = 1024


class IpcLimits(Value):
    msgmax: int
    msgmnb: int
    msgmni: int
    semmsl: int
    semmns: int
    semopm: int
    semmni: int
    shmmax: int
    shmall: int
    shmmni: int
    mq_queues_max: int
    mq_msg_max: int
    mq_msgsize_max: int
    mq_msg_default: int
    mq_msgsize_default: int
    # CONFIG_CHECKPOINT_RESTORE's kernel.*_next_id: the id the next object of the kind gets, -1 for any.
    msg_next_id: int
    sem_next_id: int
    shm_next_id: int

    __slots__ = _fields = (
        "msgmax", "msgmnb", "msgmni", "semmsl", "semmns", "semopm", "semmni", "shmmax", "shmall", "shmmni",
        "mq_queues_max", "mq_msg_max", "mq_msgsize_max", "mq_msg_default", "mq_msgsize_default", "msg_next_id",
        "sem_next_id", "shm_next_id",
    )

    def __init__(
        self,
        msgmax: int = MSGMAX,
        msgmnb: int = MSGMNB,
        msgmni: int = MSGMNI,
        semmsl: int = SEMMSL,
        semmns: int = SEMMNS,
        semopm: int = SEMOPM,
        semmni: int = SEMMNI,
        shmmax: int = SHMMAX,
        shmall: int = SHMALL,
        shmmni: int = SHMMNI,
        mq_queues_max: int = DFLT_QUEUESMAX,
        mq_msg_max: int = DFLT_MSGMAX,
        mq_msgsize_max: int = DFLT_MSGSIZEMAX,
        mq_msg_default: int = DFLT_MSG,
        mq_msgsize_default: int = DFLT_MSGSIZE,
        msg_next_id: int = -1,
        sem_next_id: int = -1,
        shm_next_id: int = -1,
    ) -> None:
        self.msgmax = msgmax
        self.msgmnb = msgmnb
        self.msgmni = msgmni
        self.semmsl = semmsl
        self.semmns = semmns
        self.semopm = semopm
        self.semmni = semmni
        self.shmmax = shmmax
        self.shmall = shmall
        self.shmmni = shmmni
        self.mq_queues_max = mq_queues_max
        self.mq_msg_max = mq_msg_max
        self.mq_msgsize_max = mq_msgsize_max
        self.mq_msg_default = mq_msg_default
        self.mq_msgsize_default = mq_msgsize_default
        self.msg_next_id = msg_next_id
        self.sem_next_id = sem_next_id
        self.shm_next_id = shm_next_id

    def set_nonnegative(self, name: str, value: int) -> None:
        """msgmax, msgmnb: proc_dointvec_minmax with 0..INT_MAX."""
        if not 0 <= value <= INT_MAX:
            raise Errno(EINVAL)
        setattr(self, name, value)

    def set_ipcmni_bounded(self, name: str, value: int) -> None:
        """msgmni, shmmni: 0..IPCMNI."""
        if not 0 <= value <= IPCMNI:
            raise Errno(EINVAL)
        setattr(self, name, value)

    def set_next_id(self, name: str, value: int) -> None:
        """msg_next_id, sem_next_id, shm_next_id: -1 to INT_MAX."""
        if not -1 <= value <= INT_MAX:
            raise Errno(EINVAL)
        setattr(self, name, value)

    def take_next_id(self, name: str) -> int:
        """ipc_idr_alloc: the id asked for, used once."""
        wanted: int = getattr(self, name)
        setattr(self, name, -1)
        return wanted

    def set_sem(self, values: list[int]) -> None:
        """proc_ipc_sem_dointvec: up to four numbers (SEMMSL SEMMNS SEMOPM SEMMNI); semmni at most IPCMNI."""
        if not 1 <= len(values) <= 4 or any(not -(1 << 31) <= v <= INT_MAX for v in values):
            raise Errno(EINVAL)
        current = [self.semmsl, self.semmns, self.semopm, self.semmni]
        current[:len(values)] = values
        if not 0 <= current[3] <= IPCMNI:
            raise Errno(EINVAL)
        self.semmsl, self.semmns, self.semopm, self.semmni = current

    def set_mq(self, name: str, value: int, low: int, high: int) -> None:
        """fs.mqueue.*: proc_dointvec_minmax with the file's bounds."""
        if not low <= value <= high:
            raise Errno(EINVAL)
        setattr(self, name, value)
