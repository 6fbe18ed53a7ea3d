"""prctl's process-attribute options beyond the basic ones (kernel/sys.c): timer slack, child subreaper,
no_new_privs, seccomp's mode (syscalls/seccomp.py), THP disabling, the speculation controls and the
TSC's (kernel/tsc.py).

Each is kept where Linux keeps it and acts where the machine has what it
changes: a subreaper takes orphaned descendants (kernel/reaper.py),
no_new_privs stops execve granting set-id credentials, the slack is
inherited and shown in /proc/PID/timerslack_ns. The emulated cpu speculates
nothing (/proc/cpuinfo lists no bugs), so each speculation control reads
PR_SPEC_NOT_AFFECTED (L1D flushing: PR_SPEC_FORCE_DISABLE, as on a kernel
booted without l1d_flush=on) and can be changed as on such a cpu.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.tsc import get_tsc_mode, set_tsc_mode
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.uapi.errno import EINVAL, ENODEV, ENXIO, EPERM, ERANGE, Errno
from syscalltbl.machine.uapi.prctl import (
    PR_GET_CHILD_SUBREAPER,
    PR_GET_NO_NEW_PRIVS,
    PR_GET_SECCOMP,
    PR_GET_SPECULATION_CTRL,
    PR_GET_THP_DISABLE,
    PR_GET_TIMERSLACK,
    PR_GET_TSC,
    PR_SET_CHILD_SUBREAPER,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_SECCOMP,
    PR_SET_SPECULATION_CTRL,
    PR_SET_THP_DISABLE,
    PR_SET_TIMERSLACK,
    PR_SET_TSC,
    PR_SPEC_DISABLE,
    PR_SPEC_ENABLE,
    PR_SPEC_FORCE_DISABLE,
    PR_SPEC_INDIRECT_BRANCH,
    PR_SPEC_L1D_FLUSH,
    PR_SPEC_NOT_AFFECTED,
    PR_SPEC_STORE_BYPASS,
    PR_THP_DISABLE_EXCEPT_ADVISED,
)

ULONG = (1 << 64) - 1
_SPECULATION = frozenset({PR_SET_SPECULATION_CTRL, PR_GET_SPECULATION_CTRL})
#: The options this module answers; the rest are prctl's EINVAL.
OPTIONS = frozenset({PR_SET_TIMERSLACK, PR_GET_TIMERSLACK, PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER,
                     PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_GET_SECCOMP, PR_SET_SECCOMP,
                     PR_SET_THP_DISABLE, PR_GET_THP_DISABLE, *_SPECULATION, PR_SET_TSC, PR_GET_TSC})  # fmt: skip


def do_prctl_options(t: Task, option: int, arg2: int, arg3: int, arg4: int, arg5: int) -> int:
    """One of OPTIONS, with Linux's checks of its unused arguments."""
    if option == PR_SET_TIMERSLACK:
        # arg2 is an unsigned long: 0 (and, read as a long, anything negative) restores the default.
        t.timer_slack_ns = t.default_timer_slack_ns if arg2 == 0 or arg2 >> 63 else arg2
        return 0
    if option == PR_GET_TIMERSLACK:
        return t.timer_slack_ns
    if option == PR_SET_CHILD_SUBREAPER:
        t.group.child_subreaper = bool(arg2)
        return 0
    if option == PR_GET_CHILD_SUBREAPER:
        copy_to_user(t.mm, arg2, int(t.group.child_subreaper).to_bytes(4, "little"))
        return 0
    if option == PR_SET_NO_NEW_PRIVS:
        if arg2 != 1 or arg3 or arg4 or arg5:
            raise Errno(EINVAL)
        t.no_new_privs = True
        return 0
    if option == PR_SET_TSC:
        set_tsc_mode(t, arg2)
        return 0
    if option == PR_GET_TSC:
        copy_to_user(t.mm, arg2, get_tsc_mode(t).to_bytes(4, "little"))
        return 0
    if option == PR_GET_NO_NEW_PRIVS:
        if arg2 or arg3 or arg4 or arg5:
            raise Errno(EINVAL)
        return int(t.no_new_privs)
    if option == PR_GET_SECCOMP:
        return t.seccomp_mode  # strict mode never gets here: the call itself is not one it allows
    if option == PR_SET_SECCOMP:
        # Here: every prctl looks its option up in this module, and the seccomp family is rarely used.
        from syscalltbl.machine.syscalls.seccomp import prctl_set_seccomp

        return prctl_set_seccomp(t, arg2, arg3)
    if option == PR_SET_THP_DISABLE:
        if (arg3 & ~PR_THP_DISABLE_EXCEPT_ADVISED if arg2 else arg3) or arg4 or arg5:
            raise Errno(EINVAL)
        t.mm.thp_disabled = 1 | arg3 if arg2 else 0
        return 0
    if option == PR_GET_THP_DISABLE:
        if arg2 or arg3 or arg4 or arg5:
            raise Errno(EINVAL)
        return t.mm.thp_disabled
    if option in _SPECULATION:
        return _speculation(option, arg2, arg3, arg4, arg5)
    raise Errno(EINVAL)


def _speculation(option: int, which: int, ctrl: int, arg4: int, arg5: int) -> int:
    """arch_prctl_spec_ctrl_get/set on a cpu without the speculation bugs and no mitigation chosen."""
    if option == PR_GET_SPECULATION_CTRL:
        if ctrl or arg4 or arg5:
            raise Errno(EINVAL)
        if which in (PR_SPEC_STORE_BYPASS, PR_SPEC_INDIRECT_BRANCH):
            return PR_SPEC_NOT_AFFECTED
        if which == PR_SPEC_L1D_FLUSH:
            return PR_SPEC_FORCE_DISABLE  # l1d_flush_prctl_get: not switched on at boot
        raise Errno(ENODEV)
    if arg4 or arg5:
        raise Errno(EINVAL)
    if which == PR_SPEC_STORE_BYPASS:
        raise Errno(ENXIO)  # ssb_prctl_set: no per-task mitigation mode on this cpu
    if which == PR_SPEC_INDIRECT_BRANCH:
        if ctrl == PR_SPEC_ENABLE:
            return 0  # ib_prctl_set: speculation is allowed, and stays so
        if ctrl in (PR_SPEC_DISABLE, PR_SPEC_FORCE_DISABLE):
            raise Errno(EPERM)
        raise Errno(ERANGE)
    if which == PR_SPEC_L1D_FLUSH:
        raise Errno(EPERM)
    raise Errno(ENODEV)
