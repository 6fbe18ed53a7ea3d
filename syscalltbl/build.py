"""`syscalltbl build`: every output named in arch/, regenerated into OUTDIR.

Outputs are rendered first and written only if all of them succeed, each
through an atomic rename and only when its bytes change, so a failed run
leaves every previous output as it was.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import NamedTuple

from syscalltbl import atomic, generate, scripts
from syscalltbl.errors import SyscalltblError, UsageError
from syscalltbl.project import Output, Project


class Summary(NamedTuple):
    written: list[str]
    unchanged: list[str]
    errors: list[SyscalltblError]

    def line(self) -> str:
        text = f"{len(self.written)} written, {len(self.unchanged)} unchanged, {len(self.errors)} failed"
        if self.errors:
            text += " (nothing written)"
        return text


class _Task(NamedTuple):
    output: Output
    job: scripts.Job
    table_path: str
    data: bytes


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it: what a user would type."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _tasks(project: Project, outputs: list[Output]) -> list[_Task]:
    contents: dict[Path, bytes] = {}
    tasks = []
    for output in outputs:
        file = project.table_file(output.input)
        if file not in contents:
            try:
                contents[file] = file.read_bytes()
            except OSError as exc:
                raise SyscalltblError(f"cannot read: {exc.strerror}", path=str(file)) from None
        shown = display_path(file)
        argv = [a.replace("{input}", shown).replace("{output}", output.path) for a in output.argv]
        tasks.append(_Task(output, scripts.parse_argv(output.generator, argv), shown, contents[file]))
    return tasks


_Result = bytes | SyscalltblError


def _render_serial(tasks: list[_Task]) -> list[_Result]:
    results: list[_Result] = []
    for task in tasks:
        try:
            results.append(generate.render(task.job, task.data, task.table_path))
        except SyscalltblError as exc:
            results.append(exc)
    return results


def _render(tasks: list[_Task]) -> list[_Result]:
    """Cache hits first; misses on two cores when several tables need parsing (Lark is the cold cost)."""
    results: list[_Result | None] = [generate.cached_output(t.job, t.data) for t in tasks]
    misses = [i for i, r in enumerate(results) if r is None]
    tables = {tasks[i].table_path for i in misses}
    if len(tables) < 4 or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        for i, result in zip(misses, _render_serial([tasks[i] for i in misses]), strict=True):
            results[i] = result
        return [r for r in results if r is not None]
    local, remote = _split(tasks, misses)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: render its half, send the results, leave without cleanup
        os.close(read_end)
        try:
            blob = pickle.dumps(_render_serial([tasks[i] for i in remote]))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(blob)
        finally:
            os._exit(0)
    os.close(write_end)
    for i, result in zip(local, _render_serial([tasks[i] for i in local]), strict=True):
        results[i] = result
    with os.fdopen(read_end, "rb") as pipe:
        blob = pipe.read()
    os.waitpid(pid, 0)
    try:
        remote_results = pickle.loads(blob)
    except Exception:
        remote_results = _render_serial([tasks[i] for i in remote])
    for i, result in zip(remote, remote_results, strict=True):
        results[i] = result
    return [r for r in results if r is not None]


def _split(tasks: list[_Task], misses: list[int]) -> tuple[list[int], list[int]]:
    """Whole tables to each side (a table is parsed once per process), balanced by estimated cost:
    parsing is linear in the table's bytes, and each output renders in about a third of that."""
    size: dict[str, int] = {}
    for i in misses:
        path = tasks[i].table_path
        size[path] = size.get(path, len(tasks[i].data) * 2 // 3) + len(tasks[i].data) // 3
    mine: set[str] = set()
    load = [0, 0]
    for path in sorted(size, key=lambda p: -size[p]):
        side = 0 if load[0] <= load[1] else 1
        load[side] += size[path]
        if side == 0:
            mine.add(path)
    local = [i for i in misses if tasks[i].table_path in mine]
    remote = [i for i in misses if tasks[i].table_path not in mine]
    return local, remote


def select_outputs(project: Project, arches: list[str] | None) -> list[Output]:
    if not arches:
        return list(project.outputs)
    unknown = sorted(set(arches) - set(project.arches))
    if unknown:
        raise UsageError(f"unknown architecture {', '.join(unknown)}: expected one of {', '.join(project.arches)}")
    return [o for o in project.outputs if o.arch in arches]


def _make_directories(outdir: Path, paths: list[str]) -> None:
    """Each missing directory with one mkdir, parents first: mkdir is slow on some file systems,
    and Path.mkdir(parents=True) makes two or three calls per level."""
    needed: set[str] = set()
    for path in paths:
        parent = os.path.dirname(path)
        while parent and parent not in needed:
            needed.add(parent)
            parent = os.path.dirname(parent)
    base = str(outdir)
    for directory in [base, *(os.path.join(base, d) for d in sorted(needed))]:
        if not os.path.isdir(directory):
            os.makedirs(directory, exist_ok=True)


GROUPS = ("kernel", "runtime")


def build(
    project: Project, outdir: Path, arches: list[str] | None = None, groups: tuple[str, ...] = GROUPS
) -> Summary:
    """The kernel group (the kernel build's 70 outputs) and the runtime group (the x86-64 machine's sources)."""
    tasks = _tasks(project, select_outputs(project, arches)) if "kernel" in groups else []
    summary = Summary([], [], [])
    results = _render(tasks)
    outputs = [(t.output.path, r) for t, r in zip(tasks, results, strict=True)]
    if "runtime" in groups and (not arches or "x86" in arches):
        from syscalltbl import runtime_group

        try:
            outputs += runtime_group.outputs(project.root.parent)
        except SyscalltblError as exc:
            summary.errors.append(exc)
    for _, result in outputs:
        if isinstance(result, SyscalltblError):
            summary.errors.append(result)
    if summary.errors:
        return summary
    try:
        _make_directories(outdir, [path for path, _ in outputs])
    except OSError as exc:
        summary.errors.append(SyscalltblError(f"cannot create directory: {exc.strerror}", path=str(exc.filename)))
        return summary
    writes = [(outdir / path, r) for path, r in outputs if isinstance(r, bytes)]
    for (target, _), outcome in zip(writes, _write_all(writes), strict=True):
        relative = str(target.relative_to(outdir))
        if isinstance(outcome, OSError):
            summary.errors.append(SyscalltblError(f"cannot write: {outcome.strerror}", path=str(target)))
        else:
            (summary.written if outcome else summary.unchanged).append(relative)
    return summary


def _write_all(writes: list[tuple[Path, bytes]]) -> list[bool | OSError]:
    """write_if_changed for each. Comparing is cheap; creating files is slow on some file
    systems and releases the GIL, so many changed files are written by four threads."""
    outcomes: list[bool | OSError] = [False] * len(writes)
    changed = [i for i, (path, data) in enumerate(writes) if not atomic.holds(path, data)]

    def work(indices: list[int]) -> None:
        for i in indices:
            try:
                atomic.replace(*writes[i])
                outcomes[i] = True
            except OSError as exc:
                outcomes[i] = exc

    if len(changed) < 16:
        work(changed)
        return outcomes
    import threading

    threads = [threading.Thread(target=work, args=(changed[k::4],)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
