"""System-call implementations, keyed by the table's entry-point column.

The machine binds them once, at start-up, through the generated Python
sys_call_table (generators/x86_64/pylib.py): entry point -> function, into a
tuple indexed by number. The hot path indexes that tuple; no name is looked
up per call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.uapi.errno import ENOSYS, Errno

#: handler(task, arg0..arg5) -> result; raise Errno for -errno.
Handler = Callable[[Task, int, int, int, int, int, int], int]
H = TypeVar("H", bound=Handler)

REGISTRY: dict[str, Handler] = {}


#: A tracer wraps each handler as it is bound: (entry, handler) -> handler.
Tracer = Callable[[TableEntry, Handler], Handler]


def syscall(entry_point: str) -> Callable[[H], H]:
    """Register the decorated function as the kernel's `entry_point` (sys_read, ...)."""

    def register(fn: H) -> H:
        if entry_point in REGISTRY:
            raise ValueError(f"{entry_point} is implemented twice")
        REGISTRY[entry_point] = fn
        return fn

    return register


def sys_ni_syscall(_t: Task, *_: int) -> int:
    # Reached only by a traced machine: an untraced one answers holes and
    # unimplemented entries in the generated assembly, without Python.
    raise Errno(ENOSYS)


def bind(
    table: Sequence[TableEntry], handlers: dict[str, Handler], tracer: Tracer | None = None
) -> tuple[Handler, ...]:
    """The dispatch tuple: `table[nr]`'s implementation at index nr."""
    bound = (handlers.get(e.entry_point, sys_ni_syscall) for e in table)
    if tracer is None:
        return tuple(bound)
    return tuple(tracer(e, h) for e, h in zip(table, bound, strict=True))


def unimplemented(table: Sequence[TableEntry], handlers: dict[str, Handler]) -> list[TableEntry]:
    """Table entries that answer -ENOSYS on this runtime (holes left out)."""
    return [e for e in table if e.number >= 0 and e.entry_point not in handlers]
