"""A project's own system calls and devices: PROJECT/syscalls/*.py and PROJECT/devices/*.py.

`syscalltbl init DIR` makes DIR/arch (the tables) and DIR/syscalls (the
implementations); `syscalltbl add-syscall` writes one module per call there,
`syscalltbl add-device` one driver per device in DIR/devices. The machine
loads them from the x86-64 target it is given (tables/target.py decides
which project that is) and binds them like the runtime's own. Each module is
executed in a fresh namespace at every machine start, so installed package
data is never written and two machines (or two projects) in one process
never share a registration.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from syscalltbl.machine.kernel.devices import DEVICE_ATTRIBUTE, Driver
from syscalltbl.machine.syscalls.registry import Handler
from syscalltbl.machine.uapi.ctype import cast as c_cast
from syscalltbl.store.record import Frozen
from syscalltbl.tables.errors import SyscalltblError

if TYPE_CHECKING:
    from syscalltbl.tables.model import Location
from syscalltbl.tables.target import X86_64Target

F = TypeVar("F", bound=Callable[..., int])
_ATTRIBUTE = "__syscalltbl_entry_point__"


def implements(entry_point: str) -> Callable[[F], F]:
    """Mark the decorated function as the body of the table's `entry_point` (sys_my_func)."""

    def mark(fn: F) -> F:
        setattr(fn, _ATTRIBUTE, entry_point)
        return fn

    return mark


def c_arg(value: int, ctype: str) -> int:
    """A 64-bit register's value as the C type `ctype` holds it: `int` -1 is 0xffffffff in rdi."""
    return c_cast(value, ctype)


def c_args(values: Sequence[int], ctypes: Sequence[str]) -> tuple[int, ...]:
    return tuple(c_arg(v, t) for v, t in zip(values, ctypes, strict=True))


#: Where the modules a project's files import from lived before syscalltbl's src/ layout.
_HOMES = {
    "hw": ("cpu", "physmem", "paging", "gdt", "fpu"),
    "image": ("kbuild", "toolchain", "elfimage"),
    "kernel": ("devices", "faults", "mm", "process", "procfs", "signals", "tracehooks", "uaccess", "vdso",
               "vfs", "wait"),
    "tools": ("trace", "ftrace", "stats", "fuzz"),
    "python": ("pylibc", "pyprocess"),
}  # fmt: skip
MOVED: dict[str, str] = {
    "syscalltbl.kernel_runtime.userproject": "syscalltbl.machine.project",
    "syscalltbl.kernel_runtime.machine": "syscalltbl.machine.machine",
    "syscalltbl.kernel_runtime.syscalls": "syscalltbl.machine.syscalls",
    "syscalltbl.kernel_runtime.errnos": "syscalltbl.machine.uapi.errno",
    **{f"syscalltbl.kernel_runtime.{m}": f"syscalltbl.machine.{home}.{m}" for home, ms in _HOMES.items() for m in ms},
}


def moved(old: str) -> str:
    """Where a module of the former syscalltbl.kernel_runtime lives now."""
    for before, now in sorted(MOVED.items(), key=lambda item: -len(item[0])):
        if old == before or old.startswith(before + "."):
            return now + old[len(before) :]
    return "syscalltbl.machine (see the README's Layout)"


class UserProject(Frozen):
    handlers: dict[str, Handler]
    #: /dev name -> driver class, from PROJECT/devices/*.py (`syscalltbl add-device`).
    drivers: dict[str, type[Driver]]

    __slots__ = _fields = ("handlers", "drivers")

    def __init__(
        self,
        handlers: dict[str, Handler] | None = None,
        drivers: dict[str, type[Driver]] | None = None,
    ) -> None:
        object.__setattr__(self, "handlers", {} if handlers is None else handlers)
        object.__setattr__(self, "drivers", {} if drivers is None else drivers)


def load(target: X86_64Target) -> UserProject:
    """The implementations and drivers of the target's project (none for syscalltbl's own tables)."""
    if target.syscalls_dir is None or target.devices_dir is None:
        return UserProject()
    return UserProject(load_handlers(target.syscalls_dir), load_drivers(target.devices_dir))


def _execute(file: Path, prefix: str) -> dict[str, object]:
    """The namespace of one project file, run fresh.

    A file that does not load is an error at its file:line:column, raised
    before any program starts: a syntax error where Python found it, an
    exception where the file's own code raised it (an import of a module
    that moved names the new one).
    """
    module = types.ModuleType(f"{prefix}_{file.stem}")
    module.__file__ = str(file)
    try:
        source = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SyscalltblError(f"not UTF-8 text (byte {exc.start})", path=str(file)) from None
    try:
        code = compile(source, str(file), "exec")
    except SyntaxError as exc:  # line and column 1-based
        line, column = (exc.lineno, exc.offset) if exc.lineno else _nul_at(source)  # only a NUL has no position
        raise SyscalltblError(f"syntax error: {exc.msg}", _location(str(file), line, column or 1)) from None
    try:
        exec(code, module.__dict__)
    except (Exception, SystemExit) as exc:
        raise _load_error(file, exc) from None
    return vars(module)


def _load_error(file: Path, exc: BaseException) -> SyscalltblError:
    """What went wrong while `file` ran, at the deepest line of its own (an import, a call) on the traceback."""
    import traceback  # here: only a project file that fails to load needs it

    own = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(file)]
    line, column = (own[-1].lineno or 0, own[-1].colno or 0) if own else (0, 0)  # colno: 0-based
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("syscalltbl.kernel_runtime"):
        named, column = _imported_at(file, line) or (exc.name or "", 0)
        where = _location(str(file), line, column + 1)
        return SyscalltblError(f"{named} moved: import from {moved(named)} instead", where)
    detail = f": {exc}" if str(exc) else ""
    return SyscalltblError(f"loading it raised {type(exc).__name__}{detail}", _location(str(file), line, column + 1))


def _nul_at(source: str) -> tuple[int, int]:
    """1-based line and column of the first NUL character in `source` (1, 1 without one)."""
    before = source[: source.find("\0")] if "\0" in source else ""
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _imported_at(file: Path, line: int) -> tuple[str, int] | None:
    """(module, 0-based column) of the import statement on `line` (Python names only the first missing package)."""
    import ast  # here: only errors read the source again, and every machine start imports this module

    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.lineno == line and node.module:
            if node.module == "syscalltbl.kernel_runtime":  # from syscalltbl.kernel_runtime import errnos
                return f"{node.module}.{node.names[0].name}", node.col_offset
            return node.module, node.col_offset
        if isinstance(node, ast.Import) and node.lineno == line:
            return node.names[0].name, node.col_offset
    return None


def load_handlers(directory: Path) -> dict[str, Handler]:
    """Entry point -> function for every @implements function in directory/*.py."""
    handlers: dict[str, Handler] = {}
    for file in sorted(directory.glob("*.py")) if directory.is_dir() else []:
        for value in _execute(file, "syscalltbl_project").values():
            entry_point = getattr(value, _ATTRIBUTE, None)
            if isinstance(entry_point, str):
                if entry_point in handlers:
                    where = _defined_at(file, value)
                    raise SyscalltblError(f"{entry_point} is implemented twice", where, path=str(file))
                handlers[entry_point] = cast(Handler, value)
    return handlers


def load_drivers(directory: Path) -> dict[str, type[Driver]]:
    """Device name -> Driver subclass for every @device class in directory/*.py."""
    drivers: dict[str, type[Driver]] = {}
    for file in sorted(directory.glob("*.py")) if directory.is_dir() else []:
        for value in _execute(file, "syscalltbl_device").values():
            name = getattr(value, DEVICE_ATTRIBUTE, None)
            if isinstance(name, str) and isinstance(value, type) and issubclass(value, Driver):
                if name in drivers:
                    raise SyscalltblError(f"/dev/{name} has two drivers", _defined_at(file, value), path=str(file))
                drivers[name] = value
    return drivers


def _defined_at(file: Path, value: object) -> Location | None:
    """Where the `def` or `class` statement that made `value` is in `file`, if it is there."""
    import ast  # as in _imported_at

    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == getattr(
            value, "__name__", None
        ):
            return _location(str(file), node.lineno, node.col_offset + 1)
    return None


def _location(file: str, line: int, column: int) -> Location:
    from syscalltbl.tables.model import Location  # here: only errors need it, and every machine start loads a project

    return Location(file, line, column)
