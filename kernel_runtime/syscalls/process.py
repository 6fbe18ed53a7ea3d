"""Process identity and termination."""

from __future__ import annotations

from syscalltbl.kernel_runtime.process import Task
from syscalltbl.kernel_runtime.syscalls.registry import syscall


@syscall("sys_getpid")
def sys_getpid(t: Task, *_: int) -> int:
    return t.pid


@syscall("sys_getppid")
def sys_getppid(t: Task, *_: int) -> int:
    return t.ppid


@syscall("sys_gettid")
def sys_gettid(t: Task, *_: int) -> int:
    return t.tid


@syscall("sys_exit")
def sys_exit(t: Task, code: int, *_: int) -> int:
    t.exit(code)  # single-threaded: the last thread's exit ends the process
    return 0


@syscall("sys_exit_group")
def sys_exit_group(t: Task, code: int, *_: int) -> int:
    t.exit(code)
    return 0
