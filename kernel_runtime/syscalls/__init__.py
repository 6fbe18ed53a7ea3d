"""Kernel services in Python, reached only through the generated sys_call_table."""

from syscalltbl.kernel_runtime.syscalls import fs, misc, mm, process, resource, select, signal, time
from syscalltbl.kernel_runtime.syscalls.registry import (
    REGISTRY,
    Handler,
    TableEntry,
    Tracer,
    bind,
    syscall,
    unimplemented,
)

__all__ = [
    "REGISTRY", "Handler", "TableEntry", "Tracer", "bind", "fs", "misc", "mm", "process", "resource", "select",
    "signal", "syscall", "time", "unimplemented",
]  # fmt: skip
