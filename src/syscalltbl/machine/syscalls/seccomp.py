"""seccomp(2) and prctl's PR_SET_SECCOMP / PR_GET_SECCOMP (kernel/seccomp.c do_seccomp).

Installing a filter checks the program (kernel/seccomp.py, bpf_classic.py),
asks no_new_privs or CAP_SYS_ADMIN, and puts it on top of the caller's
filters; SECCOMP_FILTER_FLAG_TSYNC puts the caller's whole chain on every
other thread of its process (which must run none or an ancestor of it).
The user-notification listener (SECCOMP_FILTER_FLAG_NEW_LISTENER) is not
made: that flag is EINVAL here, so a filter's SECCOMP_RET_USER_NOTIF always
finds no listener and fails the call with ENOSYS, as Linux does then.
"""

from __future__ import annotations

import struct

from syscalltbl.machine.kernel import seccomp
from syscalltbl.machine.kernel.bpf_classic import BPF_MAXINSNS, INSN
from syscalltbl.machine.kernel.pidns import pid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.syscall_work import SYSCALL_WORK_SECCOMP, set_work
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EACCES, EFAULT, EINVAL, EOPNOTSUPP, ESRCH, Errno
from syscalltbl.machine.uapi.seccomp import (
    ACTION_NAMES,
    SECCOMP_DATA_SIZE,
    SECCOMP_FILTER_FLAG_LOG,
    SECCOMP_FILTER_FLAG_SPEC_ALLOW,
    SECCOMP_FILTER_FLAG_TSYNC,
    SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
    SECCOMP_GET_ACTION_AVAIL,
    SECCOMP_GET_NOTIF_SIZES,
    SECCOMP_MODE_FILTER,
    SECCOMP_MODE_STRICT,
    SECCOMP_NOTIF_RESP_SIZE,
    SECCOMP_NOTIF_SIZE,
    SECCOMP_SET_MODE_FILTER,
    SECCOMP_SET_MODE_STRICT,
)

#: struct sock_fprog: unsigned short len, then (padded) the instructions' address.
_SOCK_FPROG = struct.Struct("<H6xQ")
#: The flags this kernel takes: all of Linux's but NEW_LISTENER and the one that only qualifies it.
FILTER_FLAGS = (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW
                | SECCOMP_FILTER_FLAG_TSYNC_ESRCH)  # fmt: skip
_AVAILABLE = frozenset(action for action, _ in ACTION_NAMES)


def _assign_mode(t: Task, mode: int) -> None:
    """seccomp_assign_mode: the mode, and the entry's slow path that enforces it."""
    t.seccomp_mode = mode
    set_work(t, SYSCALL_WORK_SECCOMP)


def set_mode_strict(t: Task) -> int:
    if not seccomp.may_assign_mode(t, SECCOMP_MODE_STRICT):
        raise Errno(EINVAL)
    _assign_mode(t, SECCOMP_MODE_STRICT)
    return 0


def _prepare_user_filter(t: Task, uprog: int, *, log: bool) -> seccomp.Filter:
    """seccomp_prepare_user_filter: the struct sock_fprog, its length, the caller's right, the program."""
    if not uprog:
        raise Errno(EFAULT)
    length, insns = _SOCK_FPROG.unpack(copy_from_user(t.mm, uprog, _SOCK_FPROG.size))
    if length == 0 or length > BPF_MAXINSNS:
        raise Errno(EINVAL)
    # Without no_new_privs, only a privileged task may filter: a set-id child would inherit the filter.
    if not t.no_new_privs and not t.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EACCES)
    if not insns:
        raise Errno(EINVAL)  # bpf_check_basics_ok
    return seccomp.prepare_filter(t, copy_from_user(t.mm, insns, length * INSN.size), log=log)


def set_mode_filter(t: Task, flags: int, uprog: int) -> int:
    if flags & ~FILTER_FLAGS:
        raise Errno(EINVAL)
    made = _prepare_user_filter(t, uprog, log=bool(flags & SECCOMP_FILTER_FLAG_LOG))
    if not seccomp.may_assign_mode(t, SECCOMP_MODE_FILTER):
        raise Errno(EINVAL)
    top = seccomp.attach(t, made)
    others = [x for x in t.group.threads if x is not t and x.status is None]
    if flags & SECCOMP_FILTER_FLAG_TSYNC:
        for other in others:  # seccomp_can_sync_threads
            if other.seccomp_mode == 0 or (other.seccomp_mode == SECCOMP_MODE_FILTER
                                           and seccomp.is_ancestor(other.seccomp_filter, t.seccomp_filter)):
                continue
            if flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH:
                raise Errno(ESRCH)
            return pid_vnr(t, other.tid)  # the thread that cannot follow
    t.seccomp_filter = top
    _assign_mode(t, SECCOMP_MODE_FILTER)
    if flags & SECCOMP_FILTER_FLAG_TSYNC:
        for other in others:  # seccomp_sync_threads
            other.seccomp_filter = top
            if t.no_new_privs:
                other.no_new_privs = True
            _assign_mode(other, SECCOMP_MODE_FILTER)
    return 0


def _get_action_avail(t: Task, uaction: int) -> int:
    (action,) = struct.unpack("<I", copy_from_user(t.mm, uaction, 4))
    if action not in _AVAILABLE:
        raise Errno(EOPNOTSUPP)
    return 0


def _get_notif_sizes(t: Task, usizes: int) -> int:
    copy_to_user(t.mm, usizes, struct.pack("<HHH", SECCOMP_NOTIF_SIZE, SECCOMP_NOTIF_RESP_SIZE, SECCOMP_DATA_SIZE))
    return 0


def do_seccomp(t: Task, op: int, flags: int, uargs: int) -> int:
    flags &= 0xFFFFFFFF
    if op == SECCOMP_SET_MODE_STRICT:
        if flags or uargs:
            raise Errno(EINVAL)
        return set_mode_strict(t)
    if op == SECCOMP_SET_MODE_FILTER:
        return set_mode_filter(t, flags, uargs)
    if op in (SECCOMP_GET_ACTION_AVAIL, SECCOMP_GET_NOTIF_SIZES):
        if flags:
            raise Errno(EINVAL)
        return _get_action_avail(t, uargs) if op == SECCOMP_GET_ACTION_AVAIL else _get_notif_sizes(t, uargs)
    raise Errno(EINVAL)


@syscall("sys_seccomp")
def sys_seccomp(t: Task, op: int, flags: int, uargs: int, *_: int) -> int:
    return do_seccomp(t, op & 0xFFFFFFFF, flags, uargs)


def prctl_set_seccomp(t: Task, mode: int, uprog: int) -> int:
    """prctl(PR_SET_SECCOMP): strict mode ignores the program argument; no flags either way."""
    if mode == SECCOMP_MODE_STRICT:
        return do_seccomp(t, SECCOMP_SET_MODE_STRICT, 0, 0)
    if mode == SECCOMP_MODE_FILTER:
        return do_seccomp(t, SECCOMP_SET_MODE_FILTER, 0, uprog)
    raise Errno(EINVAL)

