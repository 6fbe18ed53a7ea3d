"""Incremental builds: which outputs a change can reach, and a record of what was built from what.

Each build leaves a state file (in the cache, one per output directory and
project) naming, for every output, the SHA-256 of the table it was built from
and of the bytes written, plus the dependency graph of that build. The next
build compares: an output whose table, code and file are all as recorded is
not looked at again, and a no-op build reads only that file and the inputs'
bytes. When a table changed, its old and new models are compared entry by
entry; a networkx graph (table -> ABI -> output, prototypes and runtime code
-> runtime outputs) then names exactly the outputs whose ABI selection
reaches a changed entry. A comment-only edit reaches none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syscalltbl.store import atomic, cache, cachebound, cachedir, lockfile
from syscalltbl.tables.abi import selects

if TYPE_CHECKING:
    import networkx as nx

    from syscalltbl.tables.model import Table

STATE_VERSION = 1


def state_path(outdir: Path, project_root: Path) -> Path:
    name = cache.digest(str(outdir.resolve()), str(project_root.resolve()))
    directory = cachedir.root() / "builds"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{name}.json"


def lock_path(state: Path) -> Path:
    return state.with_suffix(".lock")


@contextmanager
def locked(state: Path) -> Iterator[None]:
    """One build of an output directory at a time; a second waits for the first."""
    with lockfile.locked(lock_path(state)):
        yield


def load_state(path: Path) -> dict[str, Any]:
    """The previous build's record, or an empty one if there is none or it is unreadable."""
    try:
        data = json.loads(path.read_bytes())
        if isinstance(data, dict) and data.get("version") == STATE_VERSION:
            cachebound.used(path)
            return data
    except (OSError, ValueError):
        pass
    return {"version": STATE_VERSION, "fingerprint": "", "outputs": {}, "runtime": ""}


def save_state(path: Path, state: dict[str, Any]) -> None:
    if atomic.write_if_changed(path, json.dumps(state, sort_keys=True).encode()):
        cachebound.added(path)


def file_sha(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return cache.sha256_hex(handle.read())
    except OSError:
        return None


def entry_changes(old: Table | None, new: Table) -> dict[str, str] | None:
    """ABI -> the first changed line (as a reason), or None when the old model is unknown.

    Entries are compared as the generators see them (number, ABI, name, entry
    points, noreturn, and the line's text, which orders s390's ties); line
    numbers are not, so comments and blank lines change nothing.
    """
    if old is None:
        return None

    def rows(table: Table) -> list[tuple[object, ...]]:
        return [
            (e.number, e.abi, e.name, e.entry_point, e.compat_entry_point, e.noreturn, e.text) for e in table.entries
        ]

    before, after = rows(old), rows(new)
    changed: dict[str, str] = {}
    if sorted(before) == sorted(after):
        if before != after:  # the same lines, moved: file order is output order
            for row in after:
                changed.setdefault(str(row[1]), "lines reordered")
        return changed
    removed = set(before) - set(after)
    added = set(after) - set(before)
    for entry, row in zip(new.entries, after, strict=True):
        if row in added:
            changed.setdefault(entry.abi, f"line {entry.location.line} `{entry.text}`")
    for row in removed:
        changed.setdefault(str(row[1]), f"`{row[6]}` removed")
    return changed


def dependency_graph(
    tables: dict[str, list[Table]],
    outputs: list[tuple[str, str, tuple[str, ...] | None]],
    runtime: tuple[str, tuple[str, ...], list[str]] | None,
) -> nx.DiGraph[tuple[str, ...]]:
    """table -> ABI -> output edges, by the kernel's prefix rule; `None` selections read every ABI.

    `tables` maps a table to its models (old and new, so that an ABI whose last
    entry was removed still has a node); `outputs` are (output, table,
    selection); `runtime` is (its table, the ABIs it reads exactly, its outputs).
    """
    import networkx as nx

    graph: nx.DiGraph[tuple[str, ...]] = nx.DiGraph()
    for table, models in tables.items():
        for abi in sorted({e.abi for m in models for e in m.entries}):
            graph.add_edge(("table", table), ("abi", table, abi))
    for output, table, selection in outputs:
        graph.add_node(("output", output), table=table)
        for _, abi_node in graph.out_edges(("table", table)) if graph.has_node(("table", table)) else ():
            if selects(selection, abi_node[2]):
                graph.add_edge(abi_node, ("output", output))
    if runtime is not None:
        table, abis, paths = runtime
        graph.add_node(("input", "runtime prototypes and code"))
        for output in paths:
            graph.add_edge(("input", "runtime prototypes and code"), ("output", output))
            for abi in abis:
                if graph.has_node(("abi", table, abi)):
                    graph.add_edge(("abi", table, abi), ("output", output))
    return graph


def reached(graph: nx.DiGraph[tuple[str, ...]], table: str, abis: dict[str, str]) -> dict[str, str]:
    """Output -> why, for the outputs that the changed ABIs of `table` reach."""
    found: dict[str, str] = {}
    for abi, why in sorted(abis.items()):
        node = ("abi", table, abi)
        if graph.has_node(node):
            for _, output in graph.out_edges(node):
                found.setdefault(output[1], f"{table}: ABI {abi} changed ({why})")
    return found


def graph_data(graph: nx.DiGraph[tuple[str, ...]]) -> dict[str, Any]:
    """The graph as JSON-ready node-link data, for the state file."""
    from networkx.readwrite import json_graph

    data: dict[str, Any] = json_graph.node_link_data(graph, edges="edges")
    return data


def all_outputs_intact(outdir: Path, recorded: dict[str, Any], wanted: list[str]) -> bool:
    for path in wanted:
        record = recorded.get(path)
        if not record or file_sha(outdir / path) != record.get("sha"):
            return False
    return True


