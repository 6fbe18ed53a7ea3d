"""Kernel services in Python, reached only through the generated sys_call_table."""

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.syscalls import (
    epoll,
    eventfd,
    fs,
    futex,
    ipc,
    madvise,
    misc,
    mlock,
    mm,
    process,
    resource,
    sched,
    select,
    signal,
    time,
    timerfd,
)
from syscalltbl.machine.syscalls.registry import REGISTRY, Handler, Tracer, bind, syscall, unimplemented

__all__ = [
    "REGISTRY", "Handler", "TableEntry", "Tracer", "bind", "epoll", "eventfd", "fs", "futex", "ipc", "madvise",
    "misc", "mlock", "mm", "process", "resource", "sched", "select", "signal", "syscall", "time", "timerfd",
    "unimplemented",
]  # fmt: skip
