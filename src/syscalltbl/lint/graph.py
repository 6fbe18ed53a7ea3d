"""The validation graph: tables, entries, numbers, ABIs, outputs and symbols as one networkx graph.

Lint rules are queries over this graph (syscalltbl/lint/rules.py). Building
it once makes every relation explicit and every rule a walk along edges:
"entries an output selects" is output -> ABI -> entry, "syscalls an
architecture has" is arch -> output -> ABI -> entry -> syscall.

Nodes are tuples whose first item is the kind:

    ("table", kernel_path)            attrs: table (model.Table), file (shown path)
    ("entry", kernel_path, index)     attrs: entry (model.Entry)
    ("number", kernel_path, n)
    ("abi", kernel_path, abi)         an ABI column value of one table
    ("output", index)                 attrs: sel (OutputSelection)
    ("arch", name)
    ("symbol", name)                  an entry-point symbol; attrs: defined (bool | None)
    ("prototype", name)               attrs: prototypes (list of Prototype)
    ("cond", symbol)                  a COND_SYSCALL stub of `symbol`
    ("syscall", name)                 a syscall name, across architectures
    ("perf", path)                    a tools/perf copy; attrs: copy (PerfCopy)

Edges carry `rel`: contains (table->entry), numbered (entry->number),
has_abi (entry->abi), reads (output->table), selects (output->abi, with
`how` = "exact" | "prefix" | "all"), runs (arch->output), calls
(entry->symbol, with `roles` = {"native", "compat"}), declared_by
(symbol->prototype), stubbed_by (symbol->cond), names (entry->syscall),
copies (perf->table).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from syscalltbl.lint.inputs import LintInputs, OutputSelection
from syscalltbl.tables.model import Entry, Table
from syscalltbl.tables.prototype_model import Prototype

Node = tuple[Any, ...]

#: Entry-point columns that name no function: the generators map them to sys_ni_syscall.
NO_ENTRY = frozenset({"-", ""})


def how_selected(sel: OutputSelection, abi: str) -> str | None:
    """"all", "exact" or "prefix": how the kernel's ABI regex of `sel` takes `abi`, or None."""
    if sel.selects_all():
        return "all"
    assert sel.abis is not None
    if abi in sel.abis:
        return "exact"
    if any(abi.startswith(name) for name in sel.abis):
        return "prefix"
    return None


@dataclass
class LintGraph:
    """The graph and the inputs it was built from."""

    inputs: LintInputs
    g: nx.DiGraph[Node] = field(default_factory=nx.DiGraph)
    _abi_arches: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    # ------------------------------------------------------------ queries

    def tables(self) -> Iterator[tuple[str, Table]]:
        for path in self.inputs.tables:
            yield path, self.g.nodes[("table", path)]["table"]

    def entries(self, table_path: str) -> Iterator[Entry]:
        for node in self.g.successors(("table", table_path)):
            if node[0] == "entry":
                yield self.g.nodes[node]["entry"]

    def outputs(self) -> Iterator[tuple[Node, OutputSelection]]:
        for node, data in self.g.nodes(data=True):
            if node[0] == "output":
                yield node, data["sel"]

    def outputs_reading(self, table_path: str) -> list[OutputSelection]:
        return [
            self.g.nodes[o]["sel"] for o in self.g.predecessors(("table", table_path)) if o[0] == "output"
        ]

    def selected(self, output: Node) -> Iterator[Entry]:
        """Entries the output's generator takes, in file order (output -> ABI -> entry)."""
        entries: list[Entry] = []
        for abi_node in self.g.successors(output):
            if abi_node[0] != "abi":
                continue
            entries.extend(self.g.nodes[e]["entry"] for e in self.g.predecessors(abi_node) if e[0] == "entry")
        yield from sorted(entries, key=lambda e: e.location.line)

    def selections_of(self, table_path: str, abi: str) -> list[tuple[OutputSelection, str]]:
        """(output, how) for every output that selects ABI `abi` of the table."""
        node = ("abi", table_path, abi)
        outputs = [o for o in self.g.predecessors(node) if o[0] == "output"]
        return [(self.g.nodes[o]["sel"], self.g.edges[o, node]["how"]) for o in outputs]

    def abi_arches(self, table_path: str, abi: str) -> frozenset[str]:
        """Architectures whose entry-listing outputs take ABI `abi` of the table."""
        key = (table_path, abi)
        if key not in self._abi_arches:
            node = ("abi", table_path, abi)
            outputs = [o for o in self.g.predecessors(node) if o[0] == "output"] if node in self.g else []
            sels = (self.g.nodes[o]["sel"] for o in outputs)
            self._abi_arches[key] = frozenset(s.arch for s in sels if s.lists_entries)
        return self._abi_arches[key]

    def table_arches(self, table_path: str) -> list[str]:
        """Architectures whose outputs read the table, in output order."""
        return list(dict.fromkeys(s.arch for s in self.outputs_reading(table_path)))

    def arch_syscalls(self, arch: str) -> set[str]:
        """Names of the syscalls an architecture's outputs list (arch -> output -> ABI -> entry)."""
        names: set[str] = set()
        for output in self.g.successors(("arch", arch)):
            if self.g.nodes[output]["sel"].lists_entries:
                names.update(e.name for e in self.selected(output))
        return names

    def prototypes_of(self, symbol: str) -> list[Prototype]:
        node = ("prototype", symbol)
        return list(self.g.nodes[node]["prototypes"]) if node in self.g else []

    def is_defined(self, symbol: str) -> bool | None:
        node = ("symbol", symbol)
        return self.g.nodes[node].get("defined") if node in self.g else None

    def has_cond(self, symbol: str) -> bool:
        return ("cond", symbol) in self.g

    def callers(self, symbol: str) -> Iterator[tuple[str, Entry, frozenset[str]]]:
        """(table path, entry, roles) of every line naming `symbol` as an entry point."""
        node = ("symbol", symbol)
        if node not in self.g:
            return
        for entry_node in self.g.predecessors(node):
            if entry_node[0] == "entry":
                yield entry_node[1], self.g.nodes[entry_node]["entry"], self.g.edges[entry_node, node]["roles"]

    def symbols(self) -> Iterator[str]:
        for node in self.g.nodes:
            if node[0] == "symbol":
                yield node[1]


def build_graph(inputs: LintInputs) -> LintGraph:
    """One pass over the inputs; linear in entries + outputs x ABIs + symbols."""
    # Building allocates hundreds of thousands of dicts and tuples, none of them
    # garbage: the cyclic collector's passes over them are pure cost, and they
    # grow with the graph, which made building superlinear. Pause it meanwhile.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _build(inputs)
    finally:
        if paused:
            gc.enable()


def _build(inputs: LintInputs) -> LintGraph:
    lg = LintGraph(inputs)
    g = lg.g
    for path, table in inputs.tables.items():
        _add_table(g, path, table, inputs)
    _add_outputs(g, inputs)
    _add_prototypes(g, inputs)
    if inputs.cond_syscalls is not None:
        for symbol in inputs.cond_syscalls:
            g.add_edge(("symbol", symbol), ("cond", symbol), rel="stubbed_by")
    if inputs.definitions is not None:
        for node in g.nodes:
            if node[0] == "symbol":
                g.nodes[node]["defined"] = node[1] in inputs.definitions
    for copy in inputs.perf_copies:
        target = ("table", inputs.real_path(copy.copies))
        if target in g:
            g.add_node(("perf", copy.path), copy=copy)
            g.add_edge(("perf", copy.path), target, rel="copies")
    return lg


def _add_table(g: nx.DiGraph[Node], path: str, table: Table, inputs: LintInputs) -> None:
    source = inputs.sources.get(path)
    g.add_node(("table", path), table=table, file=source.file if source else table.path)
    edges: list[tuple[Node, Node, dict[str, Any]]] = []
    for index, entry in enumerate(table.entries):
        node = ("entry", path, index)
        g.add_node(node, entry=entry)
        edges.append((("table", path), node, {"rel": "contains"}))
        edges.append((node, ("number", path, entry.number), {"rel": "numbered"}))
        edges.append((node, ("abi", path, entry.abi), {"rel": "has_abi"}))
        edges.append((node, ("syscall", entry.name), {"rel": "names"}))
        roles: dict[str, set[str]] = defaultdict(set)
        if entry.entry_point not in NO_ENTRY and entry.entry_point is not None:
            roles[entry.entry_point].add("native")
        if entry.compat_entry_point not in NO_ENTRY and entry.compat_entry_point is not None:
            roles[entry.compat_entry_point].add("compat")
        for symbol, role in roles.items():
            edges.append((node, ("symbol", symbol), {"rel": "calls", "roles": frozenset(role)}))
    g.add_edges_from(edges)


def _add_outputs(g: nx.DiGraph[Node], inputs: LintInputs) -> None:
    abis_of: dict[str, list[str]] = defaultdict(list)
    for node in g.nodes:
        if node[0] == "abi":
            abis_of[node[1]].append(node[2])
    for index, sel in enumerate(inputs.outputs):
        node = ("output", index)
        g.add_node(node, sel=sel)
        g.add_edge(("arch", sel.arch), node, rel="runs")
        table = inputs.real_path(sel.table)
        if ("table", table) not in g:
            continue
        g.add_edge(node, ("table", table), rel="reads")
        for abi in abis_of[table]:
            how = how_selected(sel, abi)
            if how is not None:
                g.add_edge(node, ("abi", table, abi), rel="selects", how=how)


def _add_prototypes(g: nx.DiGraph[Node], inputs: LintInputs) -> None:
    if inputs.prototypes is None:
        return
    for header in inputs.prototypes:
        for proto in header.prototypes:
            node = ("prototype", proto.name)
            if node not in g:
                g.add_node(node, prototypes=[])
            g.nodes[node]["prototypes"].append(proto)
            g.add_edge(("symbol", proto.name), node, rel="declared_by")
