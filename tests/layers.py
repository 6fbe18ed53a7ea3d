"""The package's layers, read from its source: every import (top-level, inside functions, under TYPE_CHECKING).

Lowest first; a module may import its own package and the packages of lower
layers, nothing else. Packages on one layer (build, export) may not import
each other. Inside `machine`, the same rule holds for its own layers, for the
imports that run: until the machine split gives tasks parts of their own,
kernel/ names the Machine that wires the layers in annotations (a task's
`machine` attribute), and nothing more.

Cycles are looked for among the imports that run (TYPE_CHECKING blocks are
annotations, never executed); an import of a package runs its __init__ too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

PACKAGE = "syscalltbl"
#: Layer of each top-level part of the package; the root `syscalltbl/__init__.py` is below them all.
LAYERS: dict[str, int] = {
    "store": 1,
    "tables": 2,
    "generators": 3,
    "machine": 4,
    "lint": 5,
    "build": 6,
    "export": 6,
    "libc": 6,  # the generated wrappers: the public face of machine/python
    "api": 7,  # the Python API for tool authors: over the matrix (export), lint and build's renderers
    "cli": 8,
    "__main__": 9,
}
#: The root package re-exports the API's main names lazily (a module __getattr__): its one import upward.
ROOT_EXPORTS = "api"
#: The layers inside syscalltbl.machine.
MACHINE_LAYERS: dict[str, int] = {
    "uapi": 0,  # Linux's numbers and flags: needs nothing
    "hw": 1,
    "image": 2,  # assembling and reading ELF images, and what a generated table entry holds
    "kernel": 3,
    "syscalls": 4,
    "project": 5,
    "machine": 6,  # the wiring: Machine
    "tools": 7,
    "python": 7,
}


@dataclass(frozen=True, slots=True)
class Import:
    importer: str
    imported: str
    file: Path
    line: int
    #: Under `if TYPE_CHECKING:`: checked for layers, never executed.
    typing_only: bool
    #: `from package import name` where name is no module: it needs the package's __init__ to have run.
    attribute: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.importer} imports {self.imported}"


def module_names(src: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module under src/syscalltbl."""
    names = {}
    for file in sorted((src / PACKAGE).rglob("*.py")):
        parts = list(file.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = file
    return names


#: An import by a name computed at run time: no reading of the source can check it.
HIDDEN = "<a computed name>"
_DYNAMIC = ("importlib.import_module", "import_module", "__import__")


def _typing_only_nodes(tree: ast.Module) -> set[int]:
    """The statements under `if TYPE_CHECKING:` (or typing.TYPE_CHECKING), not its else branch."""
    nodes: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            nodes.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return nodes


def _dynamic_target(node: ast.Call) -> str | None:
    """The module an import_module/__import__ call names: its literal, HIDDEN when computed, None for others."""
    if ast.unparse(node.func) not in _DYNAMIC or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return HIDDEN


def imports(src: Path) -> list[Import]:
    """Every import of one of the package's own modules, resolved to the module it names."""
    modules = module_names(src)
    found = []
    for name, file in modules.items():
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
        typing_only = _typing_only_nodes(tree)
        package = name if file.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom | ast.Call):
                continue
            targets: list[tuple[str, bool]] = []  # (module, a name taken from a package's __init__)
            if isinstance(node, ast.Import):
                targets = [(alias.name, False) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.append((full, False) if full in modules else (base, True))
            elif isinstance(node, ast.Call) and (dynamic := _dynamic_target(node)) is not None:
                if dynamic == HIDDEN:
                    found.append(Import(name, HIDDEN, file, node.lineno, id(node) in typing_only))
                targets = [(dynamic, False)]
            for target, attribute in targets:
                if target in modules and target != name:
                    found.append(Import(name, target, file, node.lineno, id(node) in typing_only, attribute))
    return found


def _part(module: str, depth: int) -> str:
    parts = module.split(".")
    return parts[depth] if len(parts) > depth else ""


def layer_violations(found: Iterable[Import]) -> Iterator[Import]:
    """Imports against the order: upward, or sideways between packages on one layer."""
    for imp in found:
        if imp.imported == HIDDEN:
            yield imp
            continue
        for layers, depth, inside in ((LAYERS, 1, ""), (MACHINE_LAYERS, 2, "machine")):
            if inside and not (_part(imp.importer, 1) == inside == _part(imp.imported, 1)):
                continue
            if inside and imp.typing_only and imp.imported == "syscalltbl.machine.machine":
                continue
            mine, theirs = _part(imp.importer, depth), _part(imp.imported, depth)
            if mine == theirs or (imp.importer == PACKAGE and theirs == ROOT_EXPORTS):
                continue
            if theirs == "":  # the package's own __init__: below everything in it
                continue
            if mine == "" or mine not in layers or theirs not in layers or layers[theirs] >= layers[mine]:
                yield imp
                break


def import_graph(found: Iterable[Import]) -> nx.DiGraph[str]:
    """Module -> module, for the imports that run. Importing a.b.c runs a.b's __init__ too, unless it is
    a package the importer is itself inside: that one has started first, so only a name taken from it
    (`from a.b import name`) depends on it."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    for imp in found:
        if imp.typing_only or imp.imported == HIDDEN:
            continue
        parts = imp.imported.split(".")
        for end in range(2, len(parts) + 1):
            target = ".".join(parts[:end])
            inside = imp.importer.startswith(target + ".")
            if not inside or (imp.attribute and target == imp.imported):
                graph.add_edge(imp.importer, target)
    return graph


def cycles(found: Iterable[Import]) -> list[list[str]]:
    """Each group of modules that import one another, directly or through others."""
    graph = import_graph(found)
    return sorted(sorted(group) for group in nx.strongly_connected_components(graph) if len(group) > 1)
