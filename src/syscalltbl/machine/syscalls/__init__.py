"""Kernel services in Python, reached only through the generated sys_call_table."""

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.syscalls import (
    access,
    close_range,
    cred,
    epoll,
    eventfd,
    fadvise,
    fs,
    futex,
    ipc,
    locks,
    madvise,
    misc,
    mknod,
    mlock,
    mm,
    preadv,
    process,
    readdir,
    resource,
    sched,
    select,
    signal,
    socket,
    sockmsg,
    statx,
    time,
    timerfd,
    xattr,
)
from syscalltbl.machine.syscalls.registry import REGISTRY, Handler, Tracer, bind, syscall, unimplemented

__all__ = [
    "REGISTRY", "Handler", "TableEntry", "Tracer", "access", "bind", "close_range", "cred", "epoll", "eventfd",
    "fadvise", "fs", "futex", "ipc", "locks", "madvise", "misc", "mknod", "mlock", "mm", "preadv", "process",
    "readdir", "resource", "sched", "select", "signal", "socket", "sockmsg", "statx", "syscall", "time", "timerfd",
    "unimplemented", "xattr",
]  # fmt: skip
