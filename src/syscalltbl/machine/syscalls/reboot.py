"""reboot (kernel/reboot.c) and vhangup (fs/open.c): the calls that act on the whole machine or terminal.

reboot switches Ctrl-Alt-Del handling (the flag /proc/sys/kernel/ctrl-alt-del
shows in Linux) and halts, powers off or restarts the machine: every process
is killed, so the machine's run ends, and the host is never touched. The
machine is built without kexec and hibernation, so those commands are
EINVAL, as on a kernel configured without them.

In a nested pid namespace (kernel/pidns.py) reboot ends that namespace
instead (reboot_pid_ns): the caller exits, and the namespace's init is
killed by SIGHUP for a restart or SIGINT for a halt or power-off, which
its parent sees; the other commands are EINVAL there.
"""

from __future__ import annotations

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import strncpy_from_user
from syscalltbl.machine.kernel.userns import owner_of
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_BOOT, CAP_SYS_TTY_CONFIG
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.reboot import (
    LINUX_REBOOT_CMD_CAD_OFF,
    LINUX_REBOOT_CMD_CAD_ON,
    LINUX_REBOOT_CMD_HALT,
    LINUX_REBOOT_CMD_POWER_OFF,
    LINUX_REBOOT_CMD_RESTART,
    LINUX_REBOOT_CMD_RESTART2,
    LINUX_REBOOT_MAGIC1,
    LINUX_REBOOT_MAGIC2,
    LINUX_REBOOT_MAGIC2A,
    LINUX_REBOOT_MAGIC2B,
    LINUX_REBOOT_MAGIC2C,
)
from syscalltbl.machine.uapi.signal import SIGHUP, SIGINT, SIGKILL

_MAGIC2 = (LINUX_REBOOT_MAGIC2, LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_MAGIC2B, LINUX_REBOOT_MAGIC2C)
#: RESTART2's command string: kernel/reboot.c copies at most this much, its NUL included.
RESTART2_MAX = 256


def _power_down(t: Task) -> None:
    """kernel_halt/kernel_power_off/kernel_restart: the machine stops, so every process ends with it."""
    for other in list(t.machine.tasks.values()):
        if other.status is None and other.group is not t.group:
            signals.send(other, SIGKILL)
    t.exit(0)  # do_exit(0), which Linux reaches only if the halt returned


def _reboot_pid_ns(t: Task, cmd: int) -> None:
    """reboot_pid_ns: the caller exits (do_exit(0)) and its namespace's init dies of the signal that tells
    its parent what was asked (pid_ns->reboot, which zap_pid_ns_processes makes the init's exit code)."""
    if cmd in (LINUX_REBOOT_CMD_RESTART, LINUX_REBOOT_CMD_RESTART2):
        sig = SIGHUP
    elif cmd in (LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_HALT):
        sig = SIGINT
    else:
        raise Errno(EINVAL)
    init = t.pid_ns.child_reaper
    if init is not t.group:
        t.exit_thread(0)
    if init is not None and not init.ended:
        init.leader.kill(sig)


@syscall("sys_reboot")
def sys_reboot(t: Task, magic1: int, magic2: int, cmd: int, arg: int, *_: int) -> int:
    if not t.cred.ns_capable(owner_of(t.pid_ns), CAP_SYS_BOOT):
        raise Errno(EPERM)  # over the owner of the caller's pid namespace
    if magic1 & 0xFFFFFFFF != LINUX_REBOOT_MAGIC1 or magic2 & 0xFFFFFFFF not in _MAGIC2:
        raise Errno(EINVAL)
    cmd &= 0xFFFFFFFF
    if t.pid_ns.level > 0:
        _reboot_pid_ns(t, cmd)
        return 0
    if cmd == LINUX_REBOOT_CMD_CAD_ON:
        t.machine.sysctl.ctrl_alt_del = 1
    elif cmd == LINUX_REBOOT_CMD_CAD_OFF:
        t.machine.sysctl.ctrl_alt_del = 0
    elif cmd in (LINUX_REBOOT_CMD_HALT, LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_RESTART):
        _power_down(t)
    elif cmd == LINUX_REBOOT_CMD_RESTART2:
        strncpy_from_user(t.mm, arg, RESTART2_MAX - 1)  # EFAULT before anything stops
        _power_down(t)
    else:
        raise Errno(EINVAL)  # KEXEC and SW_SUSPEND are compiled out, like any unknown command
    return 0


@syscall("sys_vhangup")
def sys_vhangup(t: Task, *_: int) -> int:
    """Hang up the caller's controlling terminal. No process on the machine has one (its terminal
    is the host's, reached through /dev/tty only), so past the capability check there is nothing to do."""
    if not t.cred.capable(CAP_SYS_TTY_CONFIG):
        raise Errno(EPERM)
    return 0
