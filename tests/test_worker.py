"""build/worker.py: the results a cold build's render worker sends back, in parts."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from syscalltbl.build import regenerate
from syscalltbl.build.worker import Worker
from syscalltbl.generators import generate
from syscalltbl.tables import project as projects


def _tasks() -> list[regenerate._Task]:
    project = projects.load()
    return regenerate._tasks(project, [o for o in project.outputs if o.arch == "x86"])


def test_parts_are_put_in_task_order_and_the_parts_a_dead_worker_never_sent_are_rendered_here(
    fresh_cache: Path,
) -> None:
    tasks = _tasks()
    assert len(tasks) >= 3
    expected = [generate.render(t.job, t.data, t.table_path) for t in tasks]
    receive, send = os.pipe()
    # A worker that sent the results of its last task, then of its first, and died.
    with os.fdopen(send, "wb") as pipe:
        pipe.write(pickle.dumps([(len(tasks) - 1, expected[-1])]))
        pipe.write(pickle.dumps([(0, expected[0])]))
        pipe.write(pickle.dumps([(1, b"cut short")])[:-5])
    worker = Worker(0, -1, receive)
    assert worker.results(tasks) == expected
    assert not worker.finishing  # it did not send everything: cancel() ends it rather than waits


def test_a_worker_renders_every_task_in_parts_and_the_build_reads_them_all(fresh_cache: Path) -> None:
    tasks = _tasks()
    worker = Worker.start()
    assert worker is not None
    try:
        worker.render(tasks)
        results = worker.results(tasks)
        assert worker.finishing
    finally:
        worker.cancel()
    assert worker.pid == 0
    assert results == [generate.render(t.job, t.data, t.table_path) for t in tasks]


def test_a_workers_pipes_hold_a_cold_builds_tasks_and_results_whole() -> None:
    import fcntl

    from syscalltbl.build import prefork

    receive, send = os.pipe()
    try:
        prefork.widen(send)
        assert fcntl.fcntl(send, fcntl.F_GETPIPE_SZ) >= prefork.PIPE_BYTES
        os.set_blocking(send, False)
        assert os.write(send, bytes(600 * 1024)) == 600 * 1024  # half a build's results, unread
    finally:
        os.close(receive)
        os.close(send)
