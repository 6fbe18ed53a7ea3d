"""Linux's user-space ABI as the machine and its tracer use it: every number and flag, one module per header.

Like gVisor's pkg/abi/linux: the values are Linux's (x86-64 where the
architectures differ), written here once, and everything else imports them;
the tracer derives its name tables from these modules (`names`, `flags`).
Nothing here depends on the rest of the machine.
"""

from __future__ import annotations

from types import ModuleType


def constants(module: ModuleType, prefix: str) -> list[tuple[str, int]]:
    """(name, value) of the module's integer constants named PREFIX..., in the order the module defines them."""
    return [
        (name, value)
        for name, value in vars(module).items()
        if name.startswith(prefix) and isinstance(value, int) and not isinstance(value, bool)
    ]


def names(module: ModuleType, prefix: str) -> dict[int, str]:
    """Value -> name for the constants named PREFIX...; the first name wins where two share a value."""
    table: dict[int, str] = {}
    for name, value in constants(module, prefix):
        table.setdefault(value, name)
    return table
