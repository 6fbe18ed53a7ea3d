"""The console script's entry point: a warm `syscalltbl script` call or `syscalltbl build` is answered
before the CLI is imported.

The CLI (cli/main.py: argparse, pathlib, the subcommands' registry) costs a
drop-in call several times its own work, and a warm build more than its own
work; cli/script_warm.py and cli/build_warm.py need none of it. Whatever the
cache cannot answer goes to cli/main.py's main, unchanged.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing: this is the first module every command imports
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["script"]:
        status = _warm("script", args[1:])
        if status is not None:
            return status
    elif args[:1] == ["build"] and sys.stdout is not None:
        status = _warm("build", args)
        if status is not None:
            return status
    run = _import_cli(freeze=args[:1] == ["run"])
    status = run(argv)
    if argv is None and args[:1] in (["run"], ["build"]):
        _end_process(status)
    return status


def _import_cli(freeze: bool) -> Callable[[list[str] | None], int]:
    """cli/main.py's main, imported without the cyclic garbage collector.

    Its imports (typing, pathlib, enum, re, threading) make about 4,500
    objects the collector tracks, which live as long as the process: it ran
    18 times while they loaded, each time over the youngest, for nothing
    (1.4 ms of the 14 ms import). For `run`, which freezes the machine's
    objects once they are imported, they are frozen now (gc.freeze), so the
    collections before that do not walk them either; another command leaves
    them to the collector as before (frozen there, a host program's object
    was not finalized as Python ended: tests/runtime/test_runtime_startup.py).
    """
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        from syscalltbl.cli.main import main
    finally:
        if freeze:
            gc.freeze()
        if collecting:
            gc.enable()
    return main


def _end_process(status: int) -> None:
    """End the process of `syscalltbl run` or `build` now, as exit() would, but without tearing the
    interpreter down.

    Python's finalization frees every object of the machine and of its few
    hundred modules one by one: 25-30 ms, an eighth of `run /bin/busybox
    true`, for memory the kernel takes back at once (5-8 ms of a cold build).
    The exit handlers still run (the cache's bound, finalizers) and the
    standard streams are flushed first; a failed flush, a thread that exit()
    would wait for, or a host Python program that ran in this interpreter
    (`run PROG.py`: its open files are flushed as Python ends) leaves the
    ending to Python.
    """
    import atexit
    import os
    import threading

    if "syscalltbl.machine.python.pyprocess" in sys.modules:
        return
    if any(not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        pass  # an exit handler's output that cannot be written: as Python's own ending would drop it
    os._exit(status & 0xFF)


def _signal() -> Any:
    """The signal module's C half, which `signal` wraps: `signal` imports enum, and with it functools
    and collections, a fifth of what a warm `syscalltbl script` call adds to the interpreter's start."""
    return __import__("_signal")


def _warm(command: str, argv: list[str]) -> int | None:
    # The signals cli/main.py turns into an exit status: here too, for the few milliseconds this takes.
    signal = _signal()

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signum)

    previous: dict[int, Any] = {}
    try:
        for number in (signal.SIGTERM, signal.SIGHUP):
            previous[number] = signal.signal(number, interrupt)
    except ValueError:  # not the main thread (a library caller): signals stay as they are
        pass
    try:
        if command == "script":
            from syscalltbl.cli import script_warm

            return script_warm.answer(argv)
        from syscalltbl.cli import build_warm

        answered = build_warm.answer(argv)
        if answered is None or answered is build_warm.UNRECORDED:
            if answered is build_warm.UNRECORDED and not any(a in ("-h", "--help") for a in argv):
                from syscalltbl.build import worker

                worker.start_early()  # probably a cold build: its renderer warms up while the CLI starts
            # Imported while an interrupt still ends the command with its one line: with a worker
            # forked, the CLI starts later than it did.
            import syscalltbl.cli.main
            import syscalltbl.cli.parser  # noqa: F401

            return None
        status, text = answered
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except OSError as exc:
            from syscalltbl.cli.main import stdout_failed

            return stdout_failed(exc, "syscalltbl build")
        return status
    except KeyboardInterrupt as stop:
        from signal import Signals

        from syscalltbl.tables.errors import error_line

        signum = stop.args[0] if stop.args and isinstance(stop.args[0], int) else int(signal.SIGINT)
        print(error_line(f"syscalltbl {command}", f"interrupted by {Signals(signum).name}"), file=sys.stderr)
        return 128 + signum
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler)
