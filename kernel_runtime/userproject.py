"""A project's own system calls: PROJECT/syscalls/*.py, bound like the runtime's own.

`syscalltbl init DIR` makes DIR/arch (the tables) and DIR/syscalls (the
implementations); `syscalltbl add-syscall` writes one module per call there.
A Machine built without an explicit table finds the project as `build` does
(the nearest arch/tables.toml above the working directory) and then uses the
project's x86-64 table and these modules. Each module is executed in a fresh
namespace at every machine start, so installed package data is never written
and two machines (or two projects) in one process never share a registration.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from syscalltbl.kernel_runtime.devices import DEVICES_DIR, Driver, load_drivers
from syscalltbl.kernel_runtime.syscalls.registry import Handler

F = TypeVar("F", bound=Callable[..., int])
_ATTRIBUTE = "__syscalltbl_entry_point__"
TABLE = Path("x86") / "entry" / "syscalls" / "syscall_64.tbl"
IMPL_DIR = "syscalls"


def implements(entry_point: str) -> Callable[[F], F]:
    """Mark the decorated function as the body of the table's `entry_point` (sys_my_func)."""

    def mark(fn: F) -> F:
        setattr(fn, _ATTRIBUTE, entry_point)
        return fn

    return mark


#: C integer types by width and signedness; anything else (pointers, longs) keeps its 64 bits.
_WIDTHS = {"char": 8, "short": 16, "int": 32, "long": 64, "long long": 64}


def c_arg(value: int, ctype: str) -> int:
    """A 64-bit register's value as the C type `ctype` holds it: `int` -1 is 0xffffffff in rdi."""
    words = ctype.split()
    if "*" in ctype or not words:
        return value
    unsigned = "unsigned" in words or ctype in ("size_t", "u32", "u64", "__u32", "__u64", "umode_t")
    core = " ".join(w for w in words if w not in ("const", "volatile", "signed", "unsigned"))
    bits = _WIDTHS.get(core or "int", 64)
    value &= (1 << bits) - 1
    if not unsigned and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def c_args(values: Sequence[int], ctypes: Sequence[str]) -> tuple[int, ...]:
    return tuple(c_arg(v, t) for v, t in zip(values, ctypes, strict=True))


@dataclass(frozen=True, slots=True)
class UserProject:
    base: Path
    table: Path
    handlers: dict[str, Handler]
    #: /dev name -> driver class, from PROJECT/devices/*.py (`syscalltbl add-device`).
    drivers: dict[str, type[Driver]] = field(default_factory=dict)


def _shipped() -> Path:
    from syscalltbl.paths import data_dir

    return data_dir("arch").resolve()


def find(start: Path | None = None) -> UserProject | None:
    """The project above `start` (default: the working directory), unless it is syscalltbl's own data."""
    here = (start or Path.cwd()).resolve()
    base = next((d for d in (here, *here.parents) if (d / "arch" / "tables.toml").is_file()), None)
    if base is None or (base / "arch").resolve() == _shipped():
        return None
    table = base / "arch" / TABLE
    if not table.is_file():
        return None
    return UserProject(base, table, load_handlers(base / IMPL_DIR), load_drivers(base / DEVICES_DIR))


def load_handlers(directory: Path) -> dict[str, Handler]:
    """Entry point -> function for every @implements function in directory/*.py."""
    handlers: dict[str, Handler] = {}
    for file in sorted(directory.glob("*.py")) if directory.is_dir() else []:
        module = types.ModuleType(f"syscalltbl_project_{file.stem}")
        module.__file__ = str(file)
        exec(compile(file.read_text(encoding="utf-8"), str(file), "exec"), module.__dict__)
        for value in vars(module).values():
            entry_point = getattr(value, _ATTRIBUTE, None)
            if isinstance(entry_point, str):
                if entry_point in handlers:
                    raise ValueError(f"{entry_point} is implemented twice (in {file})")
                handlers[entry_point] = value
    return handlers
