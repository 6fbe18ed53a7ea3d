"""The console script's entry point: a warm `syscalltbl script` call is answered before the CLI is imported.

The CLI (cli/main.py: argparse, pathlib, the subcommands' registry) costs a
drop-in call several times its own work; cli/script_warm.py needs none of it.
Whatever the cache cannot answer goes to cli/main.py's main, unchanged.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing: this is the first module every command imports
if TYPE_CHECKING:
    from typing import Any


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["script"]:
        status = _warm_script(args[1:])
        if status is not None:
            return status
    from syscalltbl.cli.main import main as run

    return run(argv)


def _warm_script(argv: list[str]) -> int | None:
    # The signals cli/main.py turns into an exit status: here too, for the few milliseconds this takes.
    import signal

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signum)

    previous: dict[int, Any] = {}
    try:
        for number in (signal.SIGTERM, signal.SIGHUP):
            previous[number] = signal.signal(number, interrupt)
    except ValueError:  # not the main thread (a library caller): signals stay as they are
        pass
    try:
        from syscalltbl.cli import script_warm

        return script_warm.answer(argv)
    except KeyboardInterrupt as stop:
        from syscalltbl.tables.errors import error_line

        signum = stop.args[0] if stop.args and isinstance(stop.args[0], int) else int(signal.SIGINT)
        print(error_line("syscalltbl script", f"interrupted by {signal.Signals(signum).name}"), file=sys.stderr)
        return 128 + signum
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler)
