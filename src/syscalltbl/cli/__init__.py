"""The `syscalltbl` command: `main(argv) -> int` (cli/main.py) and one module per subcommand (cli/commands/).

The top layer: it parses arguments, resolves what the user pointed at (a
project, a kernel tree, a target) and hands it to the layers below.
"""

from syscalltbl.cli.main import main

__all__ = ["main"]
