"""Kernel services in Python, reached only through the generated sys_call_table."""

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.syscalls import (
    access,
    cred,
    epoll,
    eventfd,
    fadvise,
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
    statx,
    time,
    timerfd,
    xattr,
)
from syscalltbl.machine.syscalls.registry import REGISTRY, Handler, Tracer, bind, syscall, unimplemented

__all__ = [
    "REGISTRY", "Handler", "TableEntry", "Tracer", "access", "bind", "cred", "epoll", "eventfd", "fadvise", "fs",
    "futex", "ipc", "madvise", "misc", "mlock", "mm", "process", "resource", "sched", "select", "signal", "statx",
    "syscall", "time", "timerfd", "unimplemented", "xattr",
]  # fmt: skip
