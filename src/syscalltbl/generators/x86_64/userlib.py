"""Render the user-space side for C: syscall.h, the stubs of libsyscall.a, crt0.

Names, numbers and the noreturn flag come from the table; parameter lists
from the prototype header (kernel syntax, `__user` dropped). An entry with no
prototype is declared without a parameter list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from syscalltbl.generators.jinja_env import render
from syscalltbl.generators.x86_64.kernel import NI_SYSCALL, Syscall
from syscalltbl.tables.prototype_model import Prototype

GENERATOR = "generators/x86_64/userlib.py"


@dataclass(frozen=True, slots=True)
class Stub:
    name: str
    number: int
    noreturn: bool


def user_type(kernel_type: str) -> str:
    """`const char __user *const __user *` -> `const char *const *`."""
    return " ".join(word for word in kernel_type.replace("*", " * ").split() if word != "__user").replace(
        " * ", " *"
    ).replace("* *", "**").replace(" *const", " *const").rstrip()


def _param(type_: str, name: str) -> str:
    t = user_type(type_)
    return f"{t}{name}" if t.endswith("*") else f"{t} {name}"


def c_declaration(s: Syscall, proto: Prototype | None) -> str:
    params = "void" if proto is not None and not proto.params else ""
    if proto is not None and proto.params:
        params = ", ".join(_param(p.type, p.name) for p in proto.params)
    if s.noreturn:
        return f"void {s.name}({params}) __attribute__((__noreturn__));"
    return f"long {s.name}({params});"


def _unique(syscalls: Sequence[Syscall]) -> list[Syscall]:
    seen: dict[str, Syscall] = {}
    for s in syscalls:
        if s.entry_point != NI_SYSCALL:
            seen.setdefault(s.name, s)
    return list(seen.values())


def render_userlib(
    syscalls: Sequence[Syscall], prototypes: Mapping[str, Prototype], *, source: str, protos: str
) -> dict[str, str]:
    """syscall.h, stubs.S and crt0.S, keyed by file name."""
    live = _unique(syscalls)
    common = {"generator": GENERATOR, "source": source}
    exit_group = next(s.number for s in syscalls if s.name == "exit_group")
    return {
        "syscall.h": render(
            "x86_64/user/syscall.h.j2",
            protos=protos,
            numbers=live,
            declarations=[c_declaration(s, prototypes.get(s.entry_point)) for s in live],
            **common,
        ),
        "stubs.S": render(
            "x86_64/user/stubs.S.j2", stubs=[Stub(s.name, s.number, s.noreturn) for s in live], **common
        ),
        "crt0.S": render("x86_64/user/crt0.S.j2", exit_group=exit_group, **common),
    }
