"""Kernel services in Python, reached only through the generated sys_call_table.

Each module is a family of system calls, registered by entry point with
@syscall (registry.py). The package imports none of them: a machine imports
a family when its program first makes one of its calls (families.py).
REGISTRY, asked of the package, is every family's body, all imported.
"""

from __future__ import annotations

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.syscalls.registry import Handler, Tracer, bind, syscall, unimplemented

__all__ = ["REGISTRY", "Handler", "TableEntry", "Tracer", "bind", "syscall", "unimplemented"]


def __getattr__(name: str) -> dict[str, Handler]:
    if name == "REGISTRY":
        from syscalltbl.machine.syscalls.families import load_all

        return load_all()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
