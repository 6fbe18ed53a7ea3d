"""The Python API of syscalltbl, for tool authors: docs/api.md shows it at work.

    import syscalltbl.api as api

    tables = api.load()                    # shipped; load("DIR") a project, load(tree="DIR") a kernel tree
    tables.lookup("getpid", "x86/64")      # (Syscall(name='getpid', abi='x86/64', number=39, ...),)
    tables.table("x86/x32").by_absolute(0x40000027)
    tables.prototypes("sys_read")          # Prototype objects with typed Params
    tables.render("arch/x86/include/generated/uapi/asm/unistd_64.h")
    tables.lint()                          # Diagnostic objects

Every value handed out is a frozen dataclass. Loading the tables reads a
cached compact index: neither Lark, Jinja2 nor networkx is imported until a
prototype, an output or a lint run is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.api.loader import load
from syscalltbl.api.model import Abi, Diagnostic, Syscall
from syscalltbl.api.tables import AbiTable, Tables
from syscalltbl.tables.errors import SyscalltblError

if TYPE_CHECKING:
    from syscalltbl.tables.prototype_model import Param, Prototype

__all__ = ["Abi", "AbiTable", "Diagnostic", "Param", "Prototype", "Syscall", "SyscalltblError", "Tables", "load"]


def __getattr__(name: str) -> object:
    # The prototype model is only needed once prototypes are asked for: not on a lookup's path.
    if name in ("Param", "Prototype"):
        from syscalltbl.tables import prototype_model

        return getattr(prototype_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
