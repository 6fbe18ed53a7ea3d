"""set_robust_list and get_robust_list (kernel/futex/syscalls.c): the head of a thread's list of held
robust futexes, which kernel/futex.py walks when the thread exits or execs.

Apart from futex.py: every statically linked C program's start sets its head, few use a futex.
"""

from __future__ import annotations

import struct

from syscalltbl.machine.kernel.pidns import find_task_vpid
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.futex import ROBUST_LIST_HEAD


@syscall("sys_set_robust_list")
def sys_set_robust_list(t: Task, head: int, length: int, *_: int) -> int:
    if length != ROBUST_LIST_HEAD.size:
        raise Errno(EINVAL)
    t.robust_list = head  # walked when the thread exits or execs (kernel/futex.py mm_release)
    return 0


@syscall("sys_get_robust_list")
def sys_get_robust_list(t: Task, pid: int, head_ptr: int, len_ptr: int, *_: int) -> int:
    from syscalltbl.machine.kernel.ptrace_access import ptrace_may_access  # get_robust_list alone uses it

    target = t if pid == 0 else find_task_vpid(t, pid)
    if target is None:
        raise Errno(ESRCH)
    if not ptrace_may_access(t, target):
        raise Errno(EPERM)  # PTRACE_MODE_READ_REALCREDS: another user's list is not the caller's to see
    copy_to_user(t.mm, len_ptr, struct.pack("<Q", ROBUST_LIST_HEAD.size))
    copy_to_user(t.mm, head_ptr, struct.pack("<Q", target.robust_list))
    return 0
