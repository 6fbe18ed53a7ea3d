"""acct (kernel/acct.c): turn BSD process accounting on, to a regular file, or off (kernel/acct.py writes)."""

from __future__ import annotations

import stat

from syscalltbl.machine.kernel import acct as accounting
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.fs import user_path
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_PACCT
from syscalltbl.machine.uapi.errno import EACCES, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import KERNEL_O_LARGEFILE, O_APPEND, O_WRONLY


@syscall("sys_acct")
def sys_acct(t: Task, name: int, *_: int) -> int:
    if not t.cred.capable(CAP_SYS_PACCT):
        raise Errno(EPERM)
    if not name:
        accounting.switch_to(t.machine, None)
        return 0
    path = user_path(t, name)
    f = t.machine.fs.open(t, path, t.fs.cwd, O_WRONLY | O_APPEND | KERNEL_O_LARGEFILE, 0)
    if not stat.S_ISREG(f.inode.mode):
        f.inode.release(f)
        raise Errno(EACCES)  # only a regular file takes records
    accounting.switch_to(t.machine, f)
    return 0
