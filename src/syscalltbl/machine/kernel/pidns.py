"""/proc/sys/kernel/ns_last_pid (kernel/pid_namespace.c): the last pid handed out, which a checkpoint/restore
tool writes to choose the next one."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.procsys import SysctlNumber
from syscalltbl.machine.kernel.sysctl import parse_int
from syscalltbl.machine.uapi.capability import CAP_CHECKPOINT_RESTORE, CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.machine import Machine


def ns_last_pid(machine: Machine) -> SysctlNumber:
    """Anyone may open it (0666); a write needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN and a value from
    0 to pid_max (pid_ns_ctl_handler); the next process then gets the first free pid above it."""

    def write(data: bytes, writer: Task) -> None:
        if not (writer.cred.capable(CAP_CHECKPOINT_RESTORE) or writer.cred.capable(CAP_SYS_ADMIN)):
            raise Errno(EPERM)
        value = parse_int(data)
        if not 0 <= value <= machine.sysctl.pid_max:
            raise Errno(EINVAL)
        machine.last_pid = value
        # The pids above it may be in use now: from here on each new one is checked (pidalloc's slow path).
        machine.pids_wrapped = True

    file = SysctlNumber(lambda: b"%d\n" % machine.last_pid, write)
    file.mode = stat.S_IFREG | 0o666
    return file
