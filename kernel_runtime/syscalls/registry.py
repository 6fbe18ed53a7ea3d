"""System-call implementations, keyed by the table's entry-point column."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from syscalltbl.generators.x86_64.kernel import NI_SYSCALL, Syscall, nr_syscalls
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


def bind(syscalls: Sequence[Syscall], handlers: Mapping[str, Handler]) -> tuple[Handler | None, ...]:
    """The dispatch tuple, indexed by number: looked up by name once, here."""
    table: list[Handler | None] = [None] * nr_syscalls(syscalls)
    for s in syscalls:
        if table[s.number] is None and s.entry_point != NI_SYSCALL:
            table[s.number] = handlers.get(s.entry_point)
    return tuple(table)


def unimplemented(syscalls: Sequence[Syscall], handlers: Mapping[str, Handler]) -> list[Syscall]:
    """Table entries that answer -ENOSYS on this runtime."""
    return [s for s in syscalls if s.entry_point not in handlers]
