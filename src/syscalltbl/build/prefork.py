"""The second process of a cold build, forked as early as possible.

Its imports (Lark, Jinja2) and Lark's parser tables are most of a cold
build's time before the first table is read. Forked when the command starts
(cli/entry.py, for a build it has no record of), it makes them while this
process parses the command line and plans; build/regenerate.py adopts it,
or ends it when the build turns out to need no rendering. Imports only os:
what the worker runs is build/worker.py's.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing: imported before the CLI
if TYPE_CHECKING:
    from collections.abc import Callable

#: A forked worker nobody has adopted yet: (pid, its task pipe, its result pipe).
_spare: list[tuple[int, int, int]] = []


def fork(main: Callable[[int, int], None]) -> tuple[int, int, int] | None:
    """A child running main(task pipe, result pipe): (pid, write end to it, read end from it); None
    on a single core, where a second process only competes with this one."""
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return None
    receive, to_child = os.pipe()
    from_child, send = os.pipe()
    widen(to_child)
    widen(send)
    pid = os.fork()
    if pid == 0:
        os.close(to_child)
        os.close(from_child)
        try:
            _child_setup()
            main(receive, send)
        finally:
            os._exit(0)
    os.close(receive)
    os.close(send)
    return pid, to_child, from_child


#: Bytes a pipe to or from a worker holds: a cold build's tasks (350 KB, the tables) and each half
#: of its results (about 500 KB) whole, so that neither side blocks until the other reads them.
PIPE_BYTES = 1 << 20


def widen(fd: int) -> None:
    """Make the pipe of `fd` hold PIPE_BYTES (Linux's default 64 KB made the build wait, before it
    could do anything else, for the worker to warm up and read its tasks); as it is where not allowed."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # another system, or above /proc/sys/fs/pipe-max-size for an unprivileged user


def _child_setup() -> None:
    import signal

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signum)

    # SIGTERM unwinds (a cache entry being written goes with its temporary file), as in the CLI.
    signal.signal(signal.SIGTERM, interrupt)
    # Nothing of a worker's is for the user (results and errors go back through the pipe): an
    # interrupt while it warms up must not print a traceback, nor its stdout keep a reader waiting.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def start_early(main: Callable[[int, int], None]) -> None:
    """Fork the worker of a build that is probably cold (build/worker.py's worker_main), for the
    build to adopt."""
    if _spare:
        return
    spare = fork(main)
    if spare is not None:
        import atexit

        _spare.append(spare)
        atexit.register(_discard)


def adopt() -> tuple[int, int, int] | None:
    """The early worker, now the caller's to use or end; None if none was forked."""
    return _spare.pop() if _spare else None


def _discard() -> None:
    """At exit, a worker never adopted (the command failed first) sees its pipe close and ends."""
    while _spare:
        _, to_child, from_child = _spare.pop()
        for fd in (to_child, from_child):
            os.close(fd)
