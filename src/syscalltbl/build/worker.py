"""The second process (and its helper) that renders a cold build's tables on both cores.

build/regenerate.py plans and writes; the worker renders the tasks it is
sent (each a NamedTuple with `job`, `data` and `table_path`: regenerate's
_Task, which pickle imports regenerate for) and sends back each output's
bytes or its error. It is forked by build/prefork.py, at the start of a
probably cold command (cli/entry.py) or when the build finds itself cold.
Imports here are only os and prefork: the rest is imported in the worker.
"""

from __future__ import annotations

import contextlib
import os

from syscalltbl.build import prefork

TYPE_CHECKING = False  # not typing: cli/entry.py imports this before the CLI
if TYPE_CHECKING:
    from typing import BinaryIO

    from syscalltbl.build.regenerate import _Result, _Task


def render_serial(tasks: list[_Task], look_up: bool = True) -> list[_Result]:
    """Each task's output or error, in this process; `look_up` False when the cache is known to
    hold none of them (the build looked them up before it sent them)."""
    from syscalltbl.generators import generate
    from syscalltbl.tables.errors import SyscalltblError

    results: list[_Result] = []
    for task in tasks:
        try:
            results.append(generate.render(task.job, task.data, task.table_path, look_up))
        except SyscalltblError as exc:
            results.append(exc)
    return results


class Worker:
    """A second process for a cold build. It is forked before the build is planned so that its
    imports of Lark and Jinja2 and the loading of the LALR tables (see _warm_up) overlap the
    planning; then it renders the tasks it is sent (on both
    cores: see _render_in_two) and sends back the results. This process, which only plans and
    writes, never imports either."""

    def __init__(self, pid: int, send: int, receive: int) -> None:
        self.pid, self.send, self.receive = pid, send, receive
        #: Its results are in: it only writes its cache entries now (worker_main), and ends.
        self.finishing = False

    @classmethod
    def start(cls) -> Worker | None:
        spare = prefork.fork(worker_main)
        return cls(*spare) if spare is not None else None

    def render(self, tasks: list[_Task]) -> None:
        import pickle

        send, self.send = self.send, -1
        with os.fdopen(send, "wb") as pipe:
            pipe.write(pickle.dumps(tasks))

    def results(self, tasks: list[_Task]) -> list[_Result]:
        """Each task's result. The worker sends them in parts (worker_main), each as soon as one
        of its two processes has it, so that this process unpickles the first while the second
        still renders; any the worker did not send (it died) are rendered here."""
        import pickle

        receive, self.receive = self.receive, -1
        results: list[_Result | None] = [None] * len(tasks)
        with os.fdopen(receive, "rb") as pipe:
            while True:
                try:
                    for i, result in pickle.load(pipe):
                        results[i] = result
                except Exception:  # EOFError after the last part; anything else from a dead worker
                    break
        missing = [i for i, result in enumerate(results) if result is None]
        for i, result in zip(missing, render_serial([tasks[i] for i in missing]), strict=True):
            results[i] = result
        # Its results in, it is reaped by cancel() once the build has written its outputs.
        self.finishing = not missing
        return [result for result in results if result is not None]

    def cancel(self) -> None:
        """Stop the worker if it still runs: no work for it, or the build was interrupted. One
        whose results are in is given the same time to finish writing its cache entries."""
        import signal

        # A worker still waiting for its tasks sees their end and leaves: this cannot be lost,
        # unlike a signal that lands between fork and the child's own handlers.
        for fd in (self.send, self.receive):
            if fd >= 0:
                os.close(fd)
        self.send = self.receive = -1
        if not self.pid:
            return
        # SIGTERM, not SIGKILL, first: a worker that is rendering unwinds (main() made SIGTERM
        # an interrupt), and a cache entry it was writing goes with its temporary file.
        if not self.finishing:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
        if not _reaped(self.pid, 2.0):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        self.pid = 0


def _reaped(pid: int, timeout: float) -> bool:
    """Wait up to `timeout` seconds for child `pid` to end, and reap it; False if it still runs. The
    build waits on this for a worker writing its cache entries: a pidfd wakes it the moment the
    worker ends, where polling would add up to a poll's interval to every cold build."""
    import select
    import time

    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # before Linux 5.3, or not Linux: poll
        deadline = time.monotonic() + timeout
        while not os.waitpid(pid, os.WNOHANG)[0]:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True
    try:
        select.select([pidfd], [], [], timeout)
    finally:
        os.close(pidfd)
    return os.waitpid(pid, os.WNOHANG)[0] != 0


def worker_main(receive: int, send: int) -> None:
    """A worker's whole life (build/prefork.py forks it): warm up, render the tasks it is sent, send
    the results back. An empty message (the build needed no worker after all) ends it."""
    import pickle

    from syscalltbl.store import cache

    _warm_up()
    with os.fdopen(receive, "rb") as pipe:
        message = pipe.read()
    if not message:
        return
    # Cache entries are written once the results are back with the build, which writes its
    # outputs meanwhile: they are off the path that a cold build waits on.
    cache.defer_puts()
    with os.fdopen(send, "wb") as pipe:
        _render_in_two(pickle.loads(message), _helpers, pipe)
    cache.write_deferred()
    for helper in _helpers:
        os.waitpid(helper, 0)


#: A helper (_render_in_two) whose results are in, still writing its cache entries: reaped last.
_helpers: list[int] = []


def _render_in_two(tasks: list[_Task], finishing: list[int], results: BinaryIO) -> None:
    """In a warmed-up worker: half of the tables to a second worker forked from this one, which
    inherits its imports and parser, so that neither process pays for them again. Each half's
    results go to `results` (the build's pipe) as one part, a pickled list of (task index,
    result), as soon as they are in: the helper's as it pickled them. A helper whose results are
    in is left to write its cache entries; its pid goes to `finishing`. The helper closes the
    build's pipe: the build reads it to its end, and must not wait for the helper's cache entries."""
    import pickle

    if len({t.table_path for t in tasks}) < 4:
        _send(results, list(range(len(tasks))), render_serial(tasks, look_up=False))
        return
    import select
    import signal

    from syscalltbl.store import cache

    mine, theirs = split(tasks, list(range(len(tasks))), 0.5)
    receive, send = os.pipe()
    prefork.widen(send)  # the helper's results whole, so that it need not wait for this process to read them
    pid = os.fork()
    if pid == 0:
        os.close(receive)
        os.close(results.fileno())
        try:
            rendered = render_serial([tasks[i] for i in theirs], look_up=False)
            blob = pickle.dumps(list(zip(theirs, rendered, strict=True)))
            with os.fdopen(send, "wb") as pipe:
                pipe.write(blob)
            cache.write_deferred()
        finally:
            os._exit(0)
    os.close(send)
    try:
        _send(results, mine, render_serial([tasks[i] for i in mine], look_up=False))
        # Until the helper's results come (it is often a few milliseconds behind), this half's
        # cache entries, which would otherwise be written after them.
        cache.write_deferred(stop=lambda: bool(select.select([receive], [], [], 0)[0]))
        with os.fdopen(receive, "rb") as pipe:
            blob = pipe.read()
        if blob.endswith(b"."):  # a whole pickle ends with STOP: passed on as it is
            finishing.append(pid)
            pid = 0
            results.write(blob)
        else:  # a dead helper: do its share here
            os.waitpid(pid, 0)
            pid = 0
            _send(results, theirs, render_serial([tasks[i] for i in theirs], look_up=False))
    finally:
        if pid:  # interrupted: the helper goes too
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)


def _send(results: BinaryIO, indices: list[int], rendered: list[_Result]) -> None:
    """One part of a worker's results: (task index, result) pairs, pickled, sent at once."""
    import pickle

    results.write(pickle.dumps(list(zip(indices, rendered, strict=True))))
    results.flush()


def _warm_up() -> None:
    """Lark's parser, which every render needs first, then Jinja2 with the kernel group's templates
    compiled: a helper forked later inherits both. Imported here once, Jinja2 costs the build a
    single import, where one in the worker and one in its helper, on both cores at once, cost the
    same wall time on an idle host and twice the CPU (20-25 ms more) on a busy one."""
    from syscalltbl.tables import tblparse

    tblparse.parser_ready()
    from syscalltbl.generators import jinja_env

    environment = jinja_env.environment()
    for name in environment.list_templates(filter_func=lambda name: name.startswith("kernel/")):
        environment.get_template(name)


def split(tasks: list[_Task], misses: list[int], share: float) -> tuple[list[int], list[int]]:
    """Whole tables to each side (a table is parsed once per process), `share` of the estimated
    cost to this process: parsing is linear in a table's bytes, and each output renders in
    about a third of that."""
    size: dict[str, int] = {}
    for i in misses:
        path = tasks[i].table_path
        size[path] = size.get(path, len(tasks[i].data) * 2 // 3) + len(tasks[i].data) // 3
    mine: set[str] = set()
    load = [0.0, 0.0]
    for path in sorted(size, key=lambda p: -size[p]):
        side = 0 if load[0] / share <= load[1] / (1 - share) else 1
        load[side] += size[path]
        if side == 0:
            mine.add(path)
    local = [i for i in misses if tasks[i].table_path in mine]
    remote = [i for i in misses if tasks[i].table_path not in mine]
    return local, remote


def start_early() -> None:
    """Fork the worker of a build that is probably cold, for build/regenerate.py to adopt. The
    standard modules that the build's CLI and the worker (Lark) both import are imported first,
    once for both: forking a few milliseconds later saves the worker as many."""
    import hashlib  # noqa: F401
    import pathlib  # noqa: F401
    import re  # noqa: F401
    import typing  # noqa: F401

    from syscalltbl.store import cache

    cache.prefer_hashlib()
    prefork.start_early(worker_main)
