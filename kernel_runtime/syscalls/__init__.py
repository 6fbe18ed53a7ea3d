"""Kernel services in Python, reached only through the generated sys_call_table."""

from syscalltbl.kernel_runtime.syscalls import fs, misc, mm, process
from syscalltbl.kernel_runtime.syscalls.registry import REGISTRY, Handler, bind, syscall, unimplemented

__all__ = ["REGISTRY", "Handler", "bind", "fs", "misc", "mm", "process", "syscall", "unimplemented"]
