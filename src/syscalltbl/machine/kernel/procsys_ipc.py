"""/proc/sys/kernel's IPC files (msgmax, msgmnb, msgmni, sem, shmall, shmmax, shmmni) and /proc/sys/fs/mqueue.

The values are the machine's (kernel/ipclimits.py); `number` is the file
class /proc/sys's numbers use (kernel/procsys.py passes it, which imports this).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.aio import AioLimits
from syscalltbl.machine.kernel.ipclimits import (
    HARD_MSGMAX,
    HARD_MSGSIZEMAX,
    INT_MAX,
    MIN_MSGMAX,
    MIN_MSGSIZEMAX,
    IpcLimits,
)
from syscalltbl.machine.kernel.procfile import ProcFile
from syscalltbl.machine.kernel.sysctl import parse_int, parse_uint
from syscalltbl.machine.kernel.vfs import Inode
from syscalltbl.machine.uapi.errno import EINVAL, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

NumberFile = Callable[[Callable[[], bytes], Callable[[bytes, "Task"], None]], ProcFile]


def _show(value: Callable[[], int]) -> Callable[[], bytes]:
    return lambda: b"%d\n" % value()


def _ints(data: bytes) -> list[int]:
    """proc_dointvec's parse of a vector: numbers apart by blanks, as many as were written."""
    words = data.split(b"\0", 1)[0].split()
    if not words:
        raise Errno(EINVAL)
    return [parse_int(w) for w in words]


def ipc_kernel_files(ipc: IpcLimits, number: NumberFile) -> dict[bytes, Inode]:
    def intvec(name: str, setter: Callable[[str, int], None]) -> ProcFile:
        return number(_show(lambda: getattr(ipc, name)), lambda data, _w: setter(name, parse_int(data)))

    def ulong(name: str) -> ProcFile:
        return number(_show(lambda: getattr(ipc, name)), lambda data, _w: setattr(ipc, name, parse_uint(data, 64)))

    def sem() -> bytes:
        return b"%d\t%d\t%d\t%d\n" % (ipc.semmsl, ipc.semmns, ipc.semopm, ipc.semmni)

    return {
        b"msgmax": intvec("msgmax", ipc.set_nonnegative),
        b"msgmnb": intvec("msgmnb", ipc.set_nonnegative),
        b"msgmni": intvec("msgmni", ipc.set_ipcmni_bounded),
        b"msg_next_id": intvec("msg_next_id", ipc.set_next_id),
        b"sem_next_id": intvec("sem_next_id", ipc.set_next_id),
        b"shm_next_id": intvec("shm_next_id", ipc.set_next_id),
        b"sem": number(sem, lambda data, _w: ipc.set_sem(_ints(data))),
        b"shmall": ulong("shmall"),
        b"shmmax": ulong("shmmax"),
        b"shmmni": intvec("shmmni", ipc.set_ipcmni_bounded),
    }


def mqueue_files(ipc: IpcLimits, number: NumberFile) -> dict[bytes, Inode]:
    """/proc/sys/fs/mqueue: each with the bounds of ipc/mq_sysctl.c."""

    def bounded(name: str, low: int, high: int) -> ProcFile:
        return number(_show(lambda: getattr(ipc, name)),
                      lambda data, _w: ipc.set_mq(name, parse_int(data), low, high))

    return {
        b"msg_default": bounded("mq_msg_default", MIN_MSGMAX, HARD_MSGMAX),
        b"msg_max": bounded("mq_msg_max", MIN_MSGMAX, HARD_MSGMAX),
        b"msgsize_default": bounded("mq_msgsize_default", MIN_MSGSIZEMAX, HARD_MSGSIZEMAX),
        b"msgsize_max": bounded("mq_msgsize_max", MIN_MSGSIZEMAX, HARD_MSGSIZEMAX),
        b"queues_max": bounded("mq_queues_max", 0, INT_MAX),
    }



def aio_files(aio: AioLimits, number: NumberFile,
              constant: Callable[[Callable[[], bytes]], ProcFile]) -> dict[bytes, Inode]:
    """fs.aio-max-nr (proc_doulongvec_minmax: any unsigned long) and fs.aio-nr (read-only)."""
    return {
        b"aio-max-nr": number(_show(lambda: aio.max_nr), lambda data, _w: aio.set_max_nr(parse_uint(data, 64))),
        b"aio-nr": constant(_show(lambda: aio.nr)),
    }
