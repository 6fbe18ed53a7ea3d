"""The matrix in the compact form the API reads: plain tuples, cached, turned into Syscalls on demand.

Building the matrix parses 17 tables into thousands of dataclasses, more than
a first lookup may spend; the API keeps instead, per syscall name, one plain
tuple per ABI (number, table ABI, entry point, compat entry point, noreturn,
file, line), which marshal stores and reloads in a few milliseconds. The cache
key holds every byte the matrix is made from (tables.toml, abi-bases.toml,
each table) and the code that makes it, so an entry is never stale.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, ItemsView, Iterator, Mapping
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.api.model import Abi, Syscall
from syscalltbl.store import cache

if TYPE_CHECKING:
    from syscalltbl.export.matrix import Matrix
    from syscalltbl.tables.project import Project

#: Bumped when the tuples below change shape.
FORMAT = "1"

#: (number, table ABI, entry point, compat entry point, noreturn, file, line)
Cell = tuple[int, str, str | None, str | None, bool, str, int]


class Rows(Mapping[str, tuple[Cell | None, ...]]):
    """Syscall name (sorted) -> one cell per ABI (None where the ABI has none), each row kept as
    marshal bytes until it is first read: a lookup by name decodes one row, not 670."""

    __slots__ = ("_decoded", "_packed")

    def __init__(self, packed: dict[str, bytes]) -> None:
        self._packed = packed
        self._decoded: dict[str, tuple[Cell | None, ...]] = {}

    @classmethod
    def of(cls, rows: dict[str, tuple[Cell | None, ...]]) -> Rows:
        return cls({name: marshal.dumps(row) for name, row in rows.items()})

    @property
    def packed(self) -> dict[str, bytes]:
        return self._packed

    def __getitem__(self, name: str) -> tuple[Cell | None, ...]:
        row = self._decoded.get(name)
        if row is None:
            row = self._decoded[name] = marshal.loads(self._packed[name])
        return row

    def items(self) -> ItemsView[str, tuple[Cell | None, ...]]:
        """Every row, decoded once: a lookup by number or entry point reads them all."""
        if len(self._decoded) < len(self._packed):
            self._decoded = {name: self[name] for name in self._packed}
        return self._decoded.items()

    def __contains__(self, name: object) -> bool:
        return name in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


@dataclass(frozen=True, slots=True)
class Index:
    kernel: str
    abis: tuple[Abi, ...]
    #: Each row is parallel to `abis`.
    rows: Rows

    def syscall(self, name: str, column: int, cell: Cell) -> Syscall:
        abi = self.abis[column]
        number, table_abi, entry, compat, noreturn, file, line = cell
        return Syscall(name, abi.label, abi.arch, number, abi.base + number, table_abi, entry, compat, noreturn,
                       file, line)


def from_matrix(matrix: Matrix) -> Index:
    abis = tuple(
        Abi(s.arch, s.name, s.column, s.table, s.abis, s.base, s.base_macro, s.outputs) for s in matrix.selections
    )
    rows = {
        name: tuple(
            None
            if e is None
            else (e.number, e.abi, e.entry_point, e.compat_entry_point, e.noreturn, e.location.file, e.location.line)
            for e in entries
        )
        for name, entries in matrix.rows.items()
    }
    return Index(matrix.kernel, abis, Rows.of(rows))


def _dump(index: Index) -> bytes:
    abis = [(a.arch, a.name, a.label, a.table, a.selects, a.base, a.base_macro, a.outputs) for a in index.abis]
    return marshal.dumps((FORMAT, index.kernel, abis, index.rows.packed))


def _load(blob: bytes) -> Index | None:
    try:
        version, kernel, abis, rows = marshal.loads(blob)
        if version != FORMAT:
            return None
        return Index(kernel, tuple(Abi(*a) for a in abis), Rows(rows))
    except (EOFError, ValueError, TypeError):
        return None


@memoize
def _code_fingerprint() -> str:
    """The code that makes an index: all of tables/ (the parser, its grammar, the project and ABI
    readers), the matrix, the argument parser of the scripts and this package's model; read, not
    imported, so that a warm load imports none of it."""
    here = Path(__file__).resolve()
    package = here.parents[1]
    tables = package / "tables"
    # iterdir, not glob: glob compiles a regular expression, which costs more than reading the files.
    sources = [
        *sorted(p for p in tables.iterdir() if p.suffix == ".py"),
        *sorted(p for p in (tables / "grammars").iterdir() if p.suffix == ".lark"),
        package / "export" / "matrix.py",
        package / "generators" / "scripts.py",
        here,
        here.parent / "model.py",
    ]
    return cache.fingerprint(sources)


def _key(project: Project) -> str | None:
    """Everything the project's matrix is made from; None when a file cannot be read (the build then says why)."""
    parts: list[bytes | str] = ["api-index", FORMAT, _code_fingerprint()]
    files = [project.root / "tables.toml", project.root / "abi-bases.toml"]
    for kernel_path, file in sorted(project.tables.items()):
        parts.append(kernel_path)
        files.append(file)
    for file in files:
        try:
            parts += [file.name, file.read_bytes()]
        except FileNotFoundError:
            parts += [file.name, "(none)"]
        except OSError:
            return None
    return cache.digest(*parts)


def cached_index(project: Project, build: Callable[[], Matrix]) -> Index:
    """The project's index from the cache, else from `build()` (then stored)."""
    key = _key(project) if cache.enabled() else None
    if key is not None:
        blob = cache.get("api-index", key)
        found = _load(blob) if blob is not None else None
        if found is not None:
            return found
    index = from_matrix(build())
    if key is not None:
        cache.put("api-index", key, _dump(index))
    return index
