"""The `syscalltbl` command: `main(argv) -> int` (cli/main.py) and one module per subcommand (cli/commands/).

The top layer: it parses arguments, resolves what the user pointed at (a
project, a kernel tree, a target) and hands it to the layers below. The
console script enters through cli/entry.py, which answers a warm
`syscalltbl script` call without importing cli/main.py; so this package
imports nothing itself.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def __getattr__(name: str) -> Callable[[list[str] | None], int]:
    # `from syscalltbl.cli import main`, the entry point of installs made before cli/entry.py. As
    # before, the function shadows the submodule of the same name (whose import set the attribute).
    if name == "main":
        from syscalltbl.cli.main import main

        globals()["main"] = main
        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
