"""personality (kernel/exec_domain.c): the process's execution domain and flags, kept and inherited.

The flags act where the machine has what they change: STICKY_TIMEOUTS keeps
select's timeout unwritten (syscalls/select.py), execve drops READ_IMPLIES_EXEC
as x86-64's set_personality_64bit does. The rest are only kept and read back.
"""

from __future__ import annotations

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.personality import PER_QUERY


@syscall("sys_personality")
def sys_personality(t: Task, personality: int, *_: int) -> int:
    old = t.personality
    personality &= 0xFFFFFFFF  # an unsigned int
    if personality != PER_QUERY:
        t.personality = personality
    return old
