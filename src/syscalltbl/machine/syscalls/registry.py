"""System-call implementations, keyed by the table's entry-point column.

The machine binds them once, at start-up, through the generated Python
sys_call_table (generators/x86_64/pylib.py): entry point -> function, into a
list indexed by number. The hot path indexes that list; no name is looked
up per call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.uapi.ctype import WHOLE, parameter_types, register_cast
from syscalltbl.machine.uapi.errno import ENOSYS, Errno

#: handler(task, arg0..arg5) -> result; raise Errno for -errno.
Handler = Callable[[Task, int, int, int, int, int, int], int]
H = TypeVar("H", bound=Handler)

REGISTRY: dict[str, Handler] = {}


#: A tracer wraps each handler as it is bound: (entry, handler) -> handler.
Tracer = Callable[[TableEntry, Handler], Handler]

#: The attribute, true, of a handler that casts its arguments itself (a family's stand-in, which
#: binds its body typed at its first call): `bind` leaves it as it is.
CASTS_ITS_ARGUMENTS = "__syscalltbl_casts_its_arguments__"


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
    table: Sequence[TableEntry],
    handlers: dict[str, Handler],
    declarations: Mapping[str, str],
    tracer: Tracer | None = None,
) -> list[Handler]:
    """The dispatch list: `table[nr]`'s implementation at index nr, its arguments typed. (A list: a
    family's stand-in puts the body in its own place at the first call, syscalls/families.py.)

    Each argument is cast once, here, to the C type its prototype in
    `declarations` (entry point -> declaration) gives, as SYSCALL_DEFINE
    does: an `int fd` arrives as the register's low half, sign-extended.
    """
    bound = []
    for e in table:
        handler = handlers.get(e.entry_point)
        # sys_ni_syscall reads no argument: not typed, so no unimplemented entry's prototype is parsed.
        bound.append(sys_ni_syscall if handler is None
                     else handler if getattr(handler, CASTS_ITS_ARGUMENTS, False)
                     else typed(handler, declarations.get(e.entry_point)))
    if tracer is None:
        return bound
    return [tracer(e, h) for e, h in zip(table, bound, strict=True)]


def typed(handler: Handler, declaration: str | None) -> Handler:
    """`handler` with its arguments cast to the C types of `declaration`; itself when every one is kept whole."""
    casts = _casts(declaration) if declaration else ()
    if all(c == WHOLE for c in casts):
        return handler  # getpid and most calls of pointers and sizes: no wrapper on the hot path
    (m0, s0), (m1, s1), (m2, s2), (m3, s3), (m4, s4), (m5, s5) = (casts + (WHOLE,) * 6)[:6]

    def cast_arguments(t: Task, a0: int, a1: int, a2: int, a3: int, a4: int, a5: int) -> int:
        return handler(
            t, ((a0 & m0) ^ s0) - s0, ((a1 & m1) ^ s1) - s1, ((a2 & m2) ^ s2) - s2,
            ((a3 & m3) ^ s3) - s3, ((a4 & m4) ^ s4) - s4, ((a5 & m5) ^ s5) - s5,
        )  # fmt: skip

    return functools.update_wrapper(cast_arguments, handler)  # its name and docstring: --ftrace shows sys_write


@functools.cache
def _casts(declaration: str) -> tuple[tuple[int, int], ...]:
    # Once per declaration and process: both ABIs' tables, and every machine, share most of them.
    return tuple(register_cast(kind) for kind in parameter_types(declaration))


def unimplemented(table: Sequence[TableEntry], handlers: dict[str, Handler]) -> list[TableEntry]:
    """Table entries that answer -ENOSYS on this runtime (holes left out)."""
    return [e for e in table if e.number >= 0 and e.entry_point not in handlers]
