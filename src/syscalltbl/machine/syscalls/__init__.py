"""Kernel services in Python, reached only through the generated sys_call_table."""

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.syscalls import fs, misc, mm, process, resource, select, signal, time
from syscalltbl.machine.syscalls import sched  # noqa: F401  (registers its system calls)
from syscalltbl.machine.syscalls import eventfd  # noqa: F401  (registers its system calls)
from syscalltbl.machine.syscalls.registry import REGISTRY, Handler, Tracer, bind, syscall, unimplemented

__all__ = [
    "REGISTRY", "Handler", "TableEntry", "Tracer", "bind", "fs", "misc", "mm", "process", "resource", "select",
    "signal", "syscall", "time", "unimplemented",
]  # fmt: skip
