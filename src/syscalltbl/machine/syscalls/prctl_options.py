"""prctl's process-attribute options beyond the basic ones (kernel/sys.c): timer slack, child subreaper,
no_new_privs and the TSC's (kernel/tsc.py).

Each is kept where Linux keeps it and acts where the machine has what it
changes: a subreaper takes orphaned descendants (kernel/reaper.py),
no_new_privs stops execve granting set-id credentials, the slack is
inherited and shown in /proc/PID/timerslack_ns.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.tsc import get_tsc_mode, set_tsc_mode
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.prctl import (
    PR_GET_CHILD_SUBREAPER,
    PR_GET_NO_NEW_PRIVS,
    PR_GET_TIMERSLACK,
    PR_GET_TSC,
    PR_SET_CHILD_SUBREAPER,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_TIMERSLACK,
    PR_SET_TSC,
)

ULONG = (1 << 64) - 1
#: The options this module answers; the rest are prctl's EINVAL.
OPTIONS = frozenset({PR_SET_TIMERSLACK, PR_GET_TIMERSLACK, PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER,
                     PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_SET_TSC, PR_GET_TSC})  # fmt: skip


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
    raise Errno(EINVAL)
