"""`syscalltbl build`: every output named in arch/, regenerated into OUTDIR.

Outputs are rendered first and written only if all of them succeed, each
through an atomic rename and only when its bytes change, so a failed run
leaves every previous output as it was.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from syscalltbl.build import prefork
from syscalltbl.build.worker import Worker, render_serial, split
from syscalltbl.generators import generate, scripts
from syscalltbl.store import atomic, cache
from syscalltbl.tables import read
from syscalltbl.tables.errors import SyscalltblError, UsageError
from syscalltbl.tables.project import Output, Project

if TYPE_CHECKING:
    from collections.abc import Callable

    from syscalltbl.tables.target import X86_64Target

    #: Told, under the build's lock, each output of a successful build without the runtime group as
    #: (file, cache key of its bytes, its name as -v prints it; none with the runtime group), the
    #: lock file and the output directory (cli/build_warm.py).
    Recorder = Callable[[list[tuple[str, str, str]], str, str], None]


class Summary(NamedTuple):
    written: list[str]
    unchanged: list[str]
    #: One per distinct cause: a malformed table read by five outputs is one error.
    errors: list[SyscalltblError]
    #: Outputs that could not be made (may exceed len(errors): several share a cause).
    failed: int = 0

    def line(self) -> str:
        failed = max(self.failed, len(self.errors))
        text = f"{len(self.written)} written, {len(self.unchanged)} unchanged, {failed} failed"
        if self.errors:
            text += " (nothing written)"
        return text

    def distinct(self) -> Summary:
        """The same summary with each error once: the outputs of one table (the kernel group's
        and the runtime group's) each fail with the table's error, named by the same position."""
        seen: set[tuple[str, int, int, str]] = set()
        errors: list[SyscalltblError] = []
        for error in self.errors:
            where = error.location
            file = where.file if where is not None else error.path or ""
            key = (os.path.realpath(file) if file else "", where.line if where else 0, where.column if where else 0)
            if (*key, error.message) not in seen:
                seen.add((*key, error.message))
                errors.append(error)
        return self._replace(errors=errors, failed=max(self.failed, len(self.errors)))


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
            contents[file] = read.read_input(str(file))
        shown = display_path(file)
        argv = [a.replace("{input}", shown).replace("{output}", output.path) for a in output.argv]
        tasks.append(_Task(output, scripts.parse_argv(output.generator, argv), shown, contents[file]))
    return tasks


_Result = bytes | SyscalltblError


def render_output(project: Project, output: Output) -> bytes:
    """One kernel output's bytes, exactly as `build` writes them (through the cache); raises SyscalltblError."""
    task = _tasks(project, [output])[0]
    return generate.render(task.job, task.data, task.table_path)


def _render(
    tasks: list[_Task], worker: Worker | None = None, meanwhile: Callable[[], None] = lambda: None
) -> list[_Result]:
    """Cache hits first; misses on two cores when several tables need parsing (Lark is the cold cost).
    `meanwhile` is called once the misses are on their way, or before they are rendered here."""
    results: list[_Result | None] = [generate.cached_output(t.job, t.data) for t in tasks]
    misses = [i for i, r in enumerate(results) if r is None]
    tables = {tasks[i].table_path for i in misses}
    if len(tables) < 4 or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        if worker is not None:
            worker.cancel()
        meanwhile()
        for i, result in zip(misses, render_serial([tasks[i] for i in misses]), strict=True):
            results[i] = result
        return [r for r in results if r is not None]
    if worker is not None:
        # Started early, it is warm by now (or soon): it renders everything on both cores. Once its
        # results are in it writes their cache entries, while the build writes the outputs; build()
        # reaps it at the end.
        try:
            worker.render([tasks[i] for i in misses])
            meanwhile()
            for i, result in zip(misses, worker.results([tasks[i] for i in misses]), strict=True):
                results[i] = result
        except BaseException:
            worker.cancel()
            raise
        return [r for r in results if r is not None]
    local, remote = split(tasks, misses, 0.5)
    worker = Worker.start()
    assert worker is not None
    try:
        worker.render([tasks[i] for i in remote])
        meanwhile()
        for i, result in zip(local, render_serial([tasks[i] for i in local]), strict=True):
            results[i] = result
        for i, result in zip(remote, worker.results([tasks[i] for i in remote]), strict=True):
            results[i] = result
    finally:
        worker.cancel()  # waits for its cache entries once its results are in; an interrupted build takes it down
    return [r for r in results if r is not None]


def select_outputs(project: Project, arches: list[str] | None) -> list[Output]:
    if not arches:
        return list(project.outputs)
    unknown = sorted(set(arches) - set(project.arches))
    if unknown:
        raise UsageError(f"unknown architecture {', '.join(unknown)}: expected one of {', '.join(project.arches)}")
    return [o for o in project.outputs if o.arch in arches]


def _make_directories(outdir: Path, paths: list[str], made: list[str] | None = None) -> None:
    """Each missing directory with one mkdir, parents first: mkdir is slow on some file systems,
    and Path.mkdir(parents=True) makes two or three calls per level. Those this call creates are
    appended to `made`."""
    needed: set[str] = set()
    for path in paths:
        parent = os.path.dirname(path)
        while parent and parent not in needed:
            needed.add(parent)
            parent = os.path.dirname(parent)
    base = str(outdir)
    if made is not None and not os.path.isdir(base):
        missing = []  # the output directory and those of its parents that makedirs will make
        parent = os.path.abspath(base)
        while not os.path.lexists(parent):
            missing.append(parent)
            parent = os.path.dirname(parent)
        os.makedirs(base, exist_ok=True)
        made.extend(reversed(missing))
    for directory in [base, *(os.path.join(base, d) for d in sorted(needed))]:
        if not os.path.isdir(directory):
            os.makedirs(directory, exist_ok=True)
            if made is not None:
                made.append(directory)


def _remove_directories(made: list[str]) -> None:
    """Undo _make_directories: the directories it made, children first, each only if still empty."""
    for directory in reversed(made):
        # Not empty (something else wrote there meanwhile), or already gone: it stays.
        with contextlib.suppress(OSError):
            os.rmdir(directory)


GROUPS = ("kernel", "runtime")


class _Plan(NamedTuple):
    """What this build must regenerate, and why; everything else is kept as recorded."""

    kernel: dict[str, str]  # output -> reason
    runtime: str | None  # reason, if the runtime group must be regenerated
    kept: list[str]
    #: The SHA-256 of each table, by its path as tasks name it.
    shas: dict[str, str]


def build(
    project: Project,
    outdir: Path,
    arches: list[str] | None = None,
    groups: tuple[str, ...] = GROUPS,
    explain: list[str] | None = None,
    target: X86_64Target | None = None,
    record: Recorder | None = None,
) -> Summary:
    """The kernel group (the kernel build's 70 outputs) and the runtime group (the x86-64 machine's sources).

    Only outputs that a change reaches are regenerated (`explain` collects why),
    and only changed bytes are written. The runtime group is made from `target`
    (default: the x86-64 target of the project's own arch/). `record` is told what a
    successful build without the runtime group made.
    """
    from syscalltbl.build import incremental
    from syscalltbl.tables.target import from_arch

    x86 = target or from_arch(project.root)

    state_file = incremental.state_path(outdir, project.root)
    with incremental.locked(state_file):
        state = incremental.load_state(state_file)
        # A first build into this directory is likely cold: its second process is forked now, or was
        # at the command's start (cli/entry.py); otherwise one forked then is not needed.
        spare = prefork.adopt()
        worker = Worker(*spare) if spare is not None else None
        if "kernel" not in groups or state["outputs"]:
            if worker is not None:
                worker.cancel()
            worker = None
        elif worker is None:
            worker = Worker.start()
        tasks = _tasks(project, select_outputs(project, arches)) if "kernel" in groups else []
        with_runtime = "runtime" in groups and (not arches or "x86" in arches)
        try:
            plan = _plan(project, outdir, x86, tasks, with_runtime, state)
        except BaseException:
            if worker is not None:
                worker.cancel()
            raise
        # The keys a record names its outputs' bytes by: made while a worker renders.
        keys: list[str] = []

        def make_keys() -> None:
            if record and not with_runtime and not keys:
                keys.extend(generate.output_key(t.job, t.data) for t in tasks)

        try:
            summary = _regenerate(x86, outdir, tasks, plan, state, worker, make_keys).distinct()
            make_keys()  # when nothing was rendered
            if not summary.errors:
                incremental.save_state(state_file, state)
                if record is not None:
                    lock = str(incremental.lock_path(state_file))
                    files = [outdir / t.output.path for t in tasks] if not with_runtime else []
                    made = [(str(f.absolute()), k, str(f)) for f, k in zip(files, keys, strict=True)]
                    record(made, lock, str(outdir.absolute()))
        finally:
            if worker is not None:
                # When it was not needed after all, or the build was interrupted; or, the outputs
                # and the record written, a worker finishing its cache entries meanwhile.
                worker.cancel()
        if explain is not None:
            explain.extend(f"rebuilt {path}: {why}" for path, why in sorted(plan.kernel.items()))
            if plan.runtime:
                explain.append(f"rebuilt the runtime group: {plan.runtime}")
            explain.extend(f"kept {path}: {why}" for path, why in sorted(_kept_reasons(plan, state).items()))
    return summary


def _kept_reasons(plan: _Plan, state: dict[str, Any]) -> dict[str, str]:
    return {path: state["outputs"].get(path, {}).get("kept", "its inputs are unchanged") for path in plan.kept}


def _plan(
    project: Project,
    outdir: Path,
    target: X86_64Target,
    tasks: list[_Task],
    with_runtime: bool,
    state: dict[str, Any],

) -> _Plan:
    from syscalltbl.build import incremental, runtime_group

    fingerprint = generate.code_fingerprint()
    code_changed = state["fingerprint"] != fingerprint
    recorded: dict[str, Any] = state["outputs"]
    shas = {t.table_path: cache.sha256_hex(t.data) for t in tasks}
    runtime_table = display_path(target.table) if with_runtime else ""
    i386 = runtime_group.i386_entries(target, state.get("runtime_record", {}).get("i386", {})) if with_runtime else {}
    runtime_key = runtime_group.inputs_key(target, i386) if with_runtime else ""
    if with_runtime and runtime_table not in shas:
        shas[runtime_table] = incremental.file_sha(target.table) or ""
    runtime_outputs: list[str] = list(state.get("runtime_outputs", []))

    kernel: dict[str, str] = {}
    stale: list[str] = []  # outputs whose table changed: the graph decides
    for task in tasks:
        path = task.output.path
        record = recorded.get(path)
        if record is None:
            kernel[path] = "not built before"
        elif code_changed:
            kernel[path] = "generator code changed"
        elif record["input"] != shas[task.table_path]:
            stale.append(path)
        elif incremental.file_sha(outdir / path) != record["sha"]:
            kernel[path] = "output missing or modified"
    runtime: str | None = None
    if with_runtime:
        rt = state.get("runtime_record", {})
        if not runtime_outputs or code_changed or rt.get("key") != runtime_key:
            runtime = "not built before" if not runtime_outputs else "runtime prototypes or code changed"
        elif rt.get("input") != shas[runtime_table]:
            stale.extend(runtime_outputs)
        elif not incremental.all_outputs_intact(outdir, recorded, runtime_outputs):
            runtime = "output missing or modified"

    if stale:
        reached, graph = _reached(project, tasks, stale, recorded, shas, runtime_table, runtime_outputs)
        # Kept with the record, for inspection and --explain of later builds; no-op builds never load it.
        state["graph"] = graph
        for path in stale:
            if path in runtime_outputs:
                if path in reached and runtime is None:
                    runtime = reached[path]
            elif path in reached:
                kernel[path] = reached[path]
            else:
                recorded[path]["kept"] = "its table changed, but not in an ABI it selects"
    # The record now describes this build's inputs; outputs regenerated below get their new hashes.
    state["fingerprint"] = fingerprint
    for task in tasks:
        if task.output.path in recorded and task.output.path not in kernel:
            recorded[task.output.path]["input"] = shas[task.table_path]
    if with_runtime:
        state["runtime_record"] = {"key": runtime_key, "input": shas[runtime_table], "i386": i386}
    done = set(kernel) | (set(runtime_outputs) if runtime else set())
    kept = [t.output.path for t in tasks if t.output.path not in done]
    if with_runtime and not runtime:
        kept += runtime_outputs
    return _Plan(kernel, runtime, kept, shas)


def _reached(
    project: Project,
    tasks: list[_Task],
    stale: list[str],
    recorded: dict[str, Any],
    shas: dict[str, str],
    runtime_table: str,
    runtime_outputs: list[str],
) -> tuple[dict[str, str], dict[str, Any]]:
    """Output -> reason, for the stale outputs that a changed entry reaches through the graph;
    and the graph as node-link data."""
    from syscalltbl.build import incremental

    by_path = {t.output.path: t for t in tasks}
    data = {t.table_path: t.data for t in tasks}
    if runtime_table and runtime_table not in data:
        data[runtime_table] = read.read_input(runtime_table)
    old_sha = {path: recorded[path]["input"] for path in stale if path in recorded}
    runtime_old = recorded.get(runtime_outputs[0], {}).get("input") if runtime_outputs else None
    models: dict[str, list[Any]] = {}
    changes: dict[tuple[str, str], dict[str, str] | None] = {}
    reasons: dict[str, str] = {}
    selections: list[tuple[str, str, tuple[str, ...] | None]] = []
    for path in stale:
        task = by_path.get(path)
        table = task.table_path if task else runtime_table
        before = old_sha.get(path) or runtime_old or ""
        if (table, before) not in changes:
            try:
                new = read.load_table(data[table], table)
            except SyscalltblError:
                changes[table, before] = None  # rendering reports the error
            else:
                old = read.cached_model(table, before)
                models.setdefault(table, [new]).extend([old] if old else [])
                changes[table, before] = incremental.entry_changes(old, new)
        if changes[table, before] is None:
            reasons[path] = f"{table} changed (no model of its previous version to compare)"
        if task:
            selections.append((path, table, _selection(task.job)))
    from syscalltbl.tables.target import ABIS

    runtime = (runtime_table, ABIS, runtime_outputs) if runtime_table else None
    graph = incremental.dependency_graph(models, selections, runtime)
    for (table, _), abis in changes.items():
        if abis:
            for output, why in incremental.reached(graph, table, abis).items():
                reasons.setdefault(output, why)
    return reasons, incremental.graph_data(graph)


def _selection(job: scripts.Job) -> tuple[str, ...] | None:
    """The ABIs an output reads; None for all (arm's table size, s390's -S table)."""
    if job.tool == "arm-syscallnr" or (job.tool == "s390-syscalltbl" and "S" in job.modes):
        return None
    return job.abis


def _regenerate(
    target: X86_64Target,
    outdir: Path,
    tasks: list[_Task],
    plan: _Plan,
    state: dict[str, Any],
    worker: Worker | None,
    meanwhile: Callable[[], None],
) -> Summary:
    summary = Summary([], [], [])
    todo = [t for t in tasks if t.output.path in plan.kernel]
    # While the tables render: the output directories (slow to create on some file systems), which
    # go again if the build fails, so that a failed build leaves the output directory as it was.
    made: list[str] = []

    def prepare() -> None:
        meanwhile()
        with contextlib.suppress(OSError):  # reported by the _make_directories below, which meets it again
            _make_directories(outdir, [t.output.path for t in todo], made)

    try:
        outputs: list[tuple[str, bytes | SyscalltblError, str]] = [
            (t.output.path, r, plan.shas[t.table_path])
            for t, r in zip(todo, _render(todo, worker, prepare), strict=True)
        ]
    except BaseException:
        _remove_directories(made)
        raise
    summary.errors.extend(r for _, r, _ in outputs if isinstance(r, SyscalltblError))
    if plan.runtime:
        from syscalltbl.build import runtime_group

        try:
            rendered = runtime_group.outputs(target)
        except SyscalltblError as exc:
            # After the kernel group's: the same table's error is shown as they name the table.
            summary.errors.append(exc)
            rendered = []
        table_sha = state["runtime_record"]["input"]
        summary.errors.extend(data for _, data in rendered if isinstance(data, SyscalltblError))
        outputs += [(path, data, table_sha) for path, data in rendered]
        state["runtime_outputs"] = [path for path, _ in rendered]
    if summary.errors:
        _remove_directories(made)
        return summary
    try:
        _make_directories(outdir, [path for path, _, _ in outputs])
    except OSError as exc:
        summary.errors.append(SyscalltblError(f"cannot create directory: {exc.strerror}", path=str(exc.filename)))
        return summary
    writes = [(outdir / path, r) for path, r, _ in outputs if isinstance(r, bytes)]
    for (path, data, table_sha), outcome in zip(outputs, atomic.write_many(writes), strict=True):
        assert isinstance(data, bytes)
        if isinstance(outcome, OSError):
            summary.errors.append(SyscalltblError(f"cannot write: {outcome.strerror}", path=str(outdir / path)))
            continue
        state["outputs"][path] = {"input": table_sha, "sha": cache.sha256_hex(data)}
        (summary.written if outcome else summary.unchanged).append(path)
    summary.unchanged.extend(plan.kept)
    return summary
