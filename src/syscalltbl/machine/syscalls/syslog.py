"""syslog(2) (kernel/printk/printk.c do_syslog): read and clear the kernel's log, set the console's level.

The machine is configured as Linux's defconfig is, without
SECURITY_DMESG_RESTRICT: anyone may read the whole log (READ_ALL) and its
size; every other action needs CAP_SYSLOG (or, as Linux still allows with a
warning, CAP_SYS_ADMIN). READ waits, interruptibly, for a record it has not
returned yet.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.printk import LOG_BUF_LEN, KernelLog
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import access_ok, copy_to_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN, CAP_SYSLOG
from syscalltbl.machine.uapi.errno import EFAULT, EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.syslog import (
    SYSLOG_ACTION_CLEAR,
    SYSLOG_ACTION_CLOSE,
    SYSLOG_ACTION_CONSOLE_LEVEL,
    SYSLOG_ACTION_CONSOLE_OFF,
    SYSLOG_ACTION_CONSOLE_ON,
    SYSLOG_ACTION_OPEN,
    SYSLOG_ACTION_READ,
    SYSLOG_ACTION_READ_ALL,
    SYSLOG_ACTION_READ_CLEAR,
    SYSLOG_ACTION_SIZE_BUFFER,
    SYSLOG_ACTION_SIZE_UNREAD,
)

#: LOGLEVEL_DEFAULT: no saved console level.
NO_SAVED_LEVEL = -1
#: The actions anyone may take when dmesg_restrict is 0 (syslog_action_restricted).
UNRESTRICTED = (SYSLOG_ACTION_READ_ALL, SYSLOG_ACTION_SIZE_BUFFER)


def _check_buffer(t: Task, buf: int, length: int) -> bool:
    """The reads' checks: EINVAL for no buffer or a negative length, EFAULT for a bad one; False: nothing to do."""
    if not buf or length < 0:
        raise Errno(EINVAL)
    if not length:
        return False
    if not access_ok(buf, length):
        raise Errno(EFAULT)
    return True


def _read(t: Task, log: KernelLog, buf: int, length: int) -> int:
    if not _check_buffer(t, buf, length):
        return 0
    if log.syslog_seq >= log.next_seq:
        raise Sleep(lambda: log.syslog_seq < log.next_seq)  # -ERESTARTSYS on a handled signal
    data = log.read(length)
    copy_to_user(t.mm, buf, data)
    return len(data)


@syscall("sys_syslog")
def sys_syslog(t: Task, action: int, buf: int, length: int, *_: int) -> int:
    if action not in UNRESTRICTED and not (t.cred.capable(CAP_SYSLOG) or t.cred.capable(CAP_SYS_ADMIN)):
        raise Errno(EPERM)
    log, levels = t.machine.kernel_log, t.machine.sysctl
    if action in (SYSLOG_ACTION_CLOSE, SYSLOG_ACTION_OPEN):
        return 0  # nothing to open or close: the log is always there
    if action == SYSLOG_ACTION_READ:
        return _read(t, log, buf, length)
    if action in (SYSLOG_ACTION_READ_ALL, SYSLOG_ACTION_READ_CLEAR):
        if not _check_buffer(t, buf, length):
            return 0
        data = log.read_all(length)
        copy_to_user(t.mm, buf, data)
        if action == SYSLOG_ACTION_READ_CLEAR:
            log.clear()
        return len(data)
    if action == SYSLOG_ACTION_CLEAR:
        log.clear()
        return 0
    printk = levels.console_printk
    if action == SYSLOG_ACTION_CONSOLE_OFF:
        if levels.saved_console_loglevel == NO_SAVED_LEVEL:
            levels.saved_console_loglevel = printk[0]
        printk[0] = printk[2]  # down to minimum_console_loglevel
        return 0
    if action == SYSLOG_ACTION_CONSOLE_ON:
        if levels.saved_console_loglevel != NO_SAVED_LEVEL:
            printk[0], levels.saved_console_loglevel = levels.saved_console_loglevel, NO_SAVED_LEVEL
        return 0
    if action == SYSLOG_ACTION_CONSOLE_LEVEL:
        if not 1 <= length <= 8:
            raise Errno(EINVAL)
        printk[0] = max(length, printk[2])
        levels.saved_console_loglevel = NO_SAVED_LEVEL
        return 0
    if action == SYSLOG_ACTION_SIZE_UNREAD:
        return log.unread()
    if action == SYSLOG_ACTION_SIZE_BUFFER:
        return LOG_BUF_LEN
    raise Errno(EINVAL)
