"""System-call implementations, keyed by the table's entry-point column."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from syscalltbl.generators.x86_64.kernel import Syscall, nr_syscalls
from syscalltbl.kernel_runtime.errnos import ENOSYS, Errno
from syscalltbl.kernel_runtime.process import Task

#: handler(task, arg0..arg5) -> result; raise Errno for -errno.
Handler = Callable[[Task, int, int, int, int, int, int], int]
H = TypeVar("H", bound=Handler)

REGISTRY: dict[str, Handler] = {}


def syscall(entry_point: str) -> Callable[[H], H]:
    """Register the decorated function as the kernel's `entry_point` (sys_read, ...)."""

    def register(fn: H) -> H:
        if entry_point in REGISTRY:
            raise ValueError(f"{entry_point} is implemented twice")
        REGISTRY[entry_point] = fn
        return fn

    return register


def _ni_syscall(_t: Task, *_: int) -> int:
    # Unreachable: the generated table sends these numbers to the assembly
    # sys_ni_syscall and never to the Python trap. Kept so the tuple is total.
    raise Errno(ENOSYS)


def bind(syscalls: Sequence[Syscall], handlers: Mapping[str, Handler]) -> tuple[Handler, ...]:
    """The dispatch tuple, indexed by number: looked up by name once, here."""
    table: list[Handler] = [_ni_syscall] * nr_syscalls(syscalls)
    for s in reversed(syscalls):  # the first line for a number wins, as in the assembly table
        table[s.number] = handlers.get(s.entry_point, _ni_syscall)
    return tuple(table)


def unimplemented(syscalls: Sequence[Syscall], handlers: Mapping[str, Handler]) -> list[Syscall]:
    """Table entries that answer -ENOSYS on this runtime."""
    return [s for s in syscalls if s.entry_point not in handlers]
