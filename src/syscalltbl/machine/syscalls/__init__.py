"""Kernel services in Python, reached only through the generated sys_call_table."""

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.syscalls import fs, ipc, madvise, misc, mlock, mm, process, resource, select, signal, time
from syscalltbl.machine.syscalls.registry import REGISTRY, Handler, Tracer, bind, syscall, unimplemented

__all__ = [
    "REGISTRY", "Handler", "TableEntry", "Tracer", "bind", "fs", "ipc", "madvise", "misc", "mlock", "mm", "process",
    "resource", "select", "signal", "syscall", "time", "unimplemented",
]  # fmt: skip
