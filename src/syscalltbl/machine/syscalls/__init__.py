"""Kernel services in Python, reached only through the generated sys_call_table."""

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.syscalls import (
    access,
    childwait,
    close_range,
    cred,
    epoll,
    eventfd,
    fadvise,
    fs,
    futex,
    inotify,
    ipc,
    itimer,
    locks,
    madvise,
    misc,
    mknod,
    mlock,
    mm,
    posix_timers,
    preadv,
    process,
    readdir,
    resource,
    rusage,
    sched,
    select,
    signal,
    socket,
    sockmsg,
    statx,
    time,
    timerfd,
    uts,
    waitid,
    xattr,
)
from syscalltbl.machine.syscalls.registry import REGISTRY, Handler, Tracer, bind, syscall, unimplemented

__all__ = [
    "REGISTRY", "Handler", "TableEntry", "Tracer", "access", "bind", "childwait", "close_range", "cred", "epoll",
    "eventfd", "fadvise", "fs", "futex", "inotify", "ipc", "itimer", "locks", "madvise", "misc", "mknod", "mlock", "mm",
    "posix_timers", "preadv", "process", "readdir", "resource", "rusage", "sched", "select", "signal", "socket",
    "sockmsg", "statx", "syscall", "time", "timerfd", "unimplemented", "uts", "waitid", "xattr",
]  # fmt: skip
