"""The model of a C prototype header: frozen dataclasses built by syscalltbl.tables.prototypes.

Only `asmlinkage` declarations are modelled; they are what a syscall table's
entry points must match. Types are kept as normalised C text (single spaces,
`*` bound to what follows it: `const char __user *const __user *`) so that two
spellings of one declaration compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from syscalltbl.tables.model import Location


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a prototype.

    `name` is "" for an unnamed parameter (`aio_context_t`, `struct stat __user *`).
    A variadic tail is a Param whose type is "...".
    """

    type: str
    name: str
    #: A pointer annotated `__user` at any level: the kernel must copy through it.
    is_user_pointer: bool
    #: A 64-bit scalar (loff_t, u64, long long, ...) or a `compat_arg_u64()`
    #: pair: it takes a register pair on 32-bit ABIs.
    is_64bit: bool
    location: Location

    def declaration(self) -> str:
        """As C spells it: `char __user *buf`, `int fd`, or the bare type of an unnamed parameter."""
        if not self.name:
            return self.type
        return f"{self.type}{self.name}" if self.type.endswith("*") else f"{self.type} {self.name}"


@dataclass(frozen=True, slots=True)
class Prototype:
    """An `asmlinkage` declaration.

    `location` points at the function's name. `conditions` are the enclosing
    preprocessor conditions, outermost first (`!defined(CONFIG_ARCH_HAS_SYSCALL_WRAPPER)`);
    include guards are left out. `attributes` holds what was written around the
    type but is not part of it (`__visible`, `__attribute__((noreturn))`).
    """

    name: str
    return_type: str
    params: tuple[Param, ...]
    location: Location
    conditions: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()

    def declaration(self) -> str:
        """The one way a prototype is written out: `long sys_read(unsigned int fd, char __user *buf, size_t count)`."""
        params = ", ".join(p.declaration() for p in self.params) or "void"
        joiner = "" if self.return_type.endswith("*") else " "
        return f"{self.return_type}{joiner}{self.name}({params})"


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """Something the reader skipped because it could not make sense of it."""

    message: str
    location: Location
    #: a declaration the grammar refused: the terminals it could take there, and what it found instead
    expected: frozenset[str] = frozenset()
    found: str = ""

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.message}"


@dataclass(frozen=True, slots=True)
class PrototypeFile:
    """A parsed header: its prototypes in file order, and what it had to skip."""

    path: str
    prototypes: tuple[Prototype, ...]
    problems: tuple[ParseProblem, ...] = ()
