"""syscalltbl: parse Linux syscall tables, check them, and generate from them.

The Python API lives in syscalltbl.api (docs/api.md); its main names are
re-exported here on first use, so `import syscalltbl` alone stays light.
"""

from __future__ import annotations

# Not typing's: every command imports this package first, and typing costs a warm `syscalltbl script`
# call a tenth of its time (cli/script_warm.py imports nothing it can avoid).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from syscalltbl.api import Abi, AbiTable, Diagnostic, Syscall, Tables, load

__version__ = "0.1.0"

#: Names of syscalltbl.api that `syscalltbl.NAME` also reaches.
_API = frozenset({"Abi", "AbiTable", "Diagnostic", "Syscall", "Tables", "load"})

__all__ = ["Abi", "AbiTable", "Diagnostic", "Syscall", "Tables", "__version__", "load"]


def __getattr__(name: str) -> object:
    if name in _API:
        from syscalltbl import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
