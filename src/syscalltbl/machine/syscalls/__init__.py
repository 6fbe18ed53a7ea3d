"""Kernel services in Python, reached only through the generated sys_call_table."""

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.syscalls import (
    childwait,
    epoll,
    eventfd,
    fadvise,
    fs,
    futex,
    ipc,
    itimer,
    madvise,
    misc,
    mlock,
    mm,
    posix_timers,
    process,
    resource,
    rusage,
    sched,
    select,
    signal,
    statx,
    time,
    timerfd,
    waitid,
    xattr,
)
from syscalltbl.machine.syscalls.registry import REGISTRY, Handler, Tracer, bind, syscall, unimplemented

__all__ = [
    "REGISTRY", "Handler", "TableEntry", "Tracer", "bind", "childwait", "epoll", "eventfd", "fadvise", "fs", "futex",
    "ipc", "itimer", "madvise", "misc", "mlock", "mm", "posix_timers", "process", "resource", "rusage", "sched",
    "select", "signal", "statx", "syscall", "time", "timerfd", "unimplemented", "waitid", "xattr",
]  # fmt: skip
