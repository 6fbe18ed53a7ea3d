"""Tables: every syscall of every architecture/ABI of one set of tables, and what can be asked of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.api.index import Cell, Index
from syscalltbl.api.model import Abi, Diagnostic, Syscall

if TYPE_CHECKING:
    from syscalltbl.export.lookup import Found
    from syscalltbl.tables.project import Project
    from syscalltbl.tables.prototype_model import Prototype


@dataclass(frozen=True, slots=True)
class AbiTable:
    """The syscalls of one architecture/ABI, in the order of their table's lines."""

    abi: Abi
    syscalls: tuple[Syscall, ...]

    def __iter__(self) -> Iterator[Syscall]:
        return iter(self.syscalls)

    def __len__(self) -> int:
        return len(self.syscalls)

    def __contains__(self, name: object) -> bool:
        return any(s.name == name for s in self.syscalls)

    def __getitem__(self, name: str) -> Syscall:
        found = self.get(name)
        if found is None:
            raise KeyError(f"{name} is not a syscall of {self.abi.label}")
        return found

    def get(self, name: str) -> Syscall | None:
        """The syscall called `name`, or None."""
        return next((s for s in self.syscalls if s.name == name), None)

    def by_number(self, number: int) -> Syscall | None:
        """The syscall the table lists as `number` (x32's read is 0), or None."""
        return next((s for s in self.syscalls if s.number == number), None)

    def by_absolute(self, number: int) -> Syscall | None:
        """The syscall userspace calls with `number` (x32's read is 0x40000000), or None."""
        return next((s for s in self.syscalls if s.absolute == number), None)

    def by_entry_point(self, symbol: str) -> tuple[Syscall, ...]:
        """The syscalls whose native or compat entry point is `symbol`."""
        return tuple(s for s in self.syscalls if symbol in (s.entry_point, s.compat_entry_point))


@dataclass(frozen=True, slots=True)
class Tables:
    """The syscall tables of a project, of the shipped copy or of a kernel tree: what `load()` returns."""

    #: The kernel version the tables are from (`6.18.2`), or "" when they do not say.
    kernel: str
    #: Every architecture/ABI, grouped by architecture (alphabetical), as `show` and `export` order them.
    abis: tuple[Abi, ...]
    #: The project's arch/ directory, or the kernel tree.
    root: Path
    #: True when `root` is a kernel tree (`load(tree=...)`).
    is_tree: bool
    _index: Index = field(repr=False, compare=False)
    _project: Project = field(repr=False, compare=False)
    _prototypes: dict[str, list[Prototype]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def arches(self) -> tuple[str, ...]:
        """The architectures, sorted."""
        return tuple(sorted({a.arch for a in self.abis}))

    @property
    def names(self) -> tuple[str, ...]:
        """Every syscall name on any architecture, sorted."""
        return tuple(self._index.rows)

    def abi(self, label: str) -> Abi:
        """The Abi labelled `label` (`x86/64`, or `alpha` for an architecture with one ABI)."""
        return self.abis[self._column(label)]

    def table(self, label: str) -> AbiTable:
        """The syscalls of one architecture/ABI (`x86/64`, `mips/o32`, `alpha`), in table order."""
        column = self._column(label)
        cells = [(name, cell) for name, row in self._index.rows.items() if (cell := row[column]) is not None]
        cells.sort(key=lambda item: item[1][6])  # the table's line
        return AbiTable(self.abis[column], tuple(self._index.syscall(n, column, c) for n, c in cells))

    def lookup(self, query: str | int, abi: str | None = None) -> tuple[Syscall, ...]:
        """What `syscalltbl show QUERY [--arch ABI]` shows: the syscalls `query` names on `abi` (an
        architecture or an ARCH/ABI label; default every one), ordered as `show` orders its rows.

        `query` is a syscall name (`getpid`), an entry point (`sys_getpid`, also a compat one), or a
        number (an int, or text in decimal or 0x hex) matched against each ABI's table and absolute
        numbers. Nothing found: an empty tuple (`explain()` says why).
        """
        return tuple(self._index.syscall(name, column, cell) for name, column, cell in self._find(query, abi).cells)

    def explain(self, query: str | int, abi: str | None = None) -> str:
        """Why `lookup(query, abi)` finds nothing (show's error message), or "" when it finds something."""
        return self._find(query, abi).problem

    def prototypes(self, symbol: str | Syscall, headers: Path | None = None) -> tuple[Prototype, ...]:
        """The prototypes declaring an entry point (a Syscall's native one), from the headers the
        project keeps (a kernel tree's own headers), or from `headers`: a kernel tree or an
        unpacked linux-headers directory. Each has typed parameters (`Prototype.params`)."""
        name = symbol if isinstance(symbol, str) else symbol.entry_point
        if name is None:
            return ()
        return tuple(self._prototype_map(headers).get(name, ()))

    def outputs(self) -> tuple[str, ...]:
        """The paths of the kernel outputs `build` writes (tables.toml's `[[output]]`s, or a tree's Makefiles)."""
        return tuple(o.path for o in self._project.outputs)

    def render(self, path: str) -> str:
        """The text `build` writes to `path`: a kernel output (`outputs()`) or a runtime one (`runtime_outputs()`)."""
        from syscalltbl.api import render

        return render.render(self._project, self._arch_root, path)

    def runtime_outputs(self) -> tuple[str, ...]:
        """The paths of the runtime group's outputs (the emulated x86-64 machine's generated sources)."""
        from syscalltbl.api import render

        return tuple(render.runtime(self._arch_root))

    def lint(self, *, exceptions: bool = True) -> tuple[Diagnostic, ...]:
        """What `syscalltbl lint` (or `lint --tree`) reports, as objects; with `exceptions`, the
        exceptions file (the project's arch/lint-exceptions.toml, else the shipped one) is applied."""
        from syscalltbl.api import lint

        return lint.diagnostics(self._project, self.root if self.is_tree else None, exceptions)

    @property
    def _arch_root(self) -> Path:
        """The arch/ directory: a project's root, or a kernel tree's arch/."""
        return self.root / "arch" if self.is_tree else self.root

    def _column(self, label: str) -> int:
        for index, abi in enumerate(self.abis):
            if abi.label == label:
                return index
        raise KeyError(f"unknown architecture/ABI {label!r}: expected one of {', '.join(a.label for a in self.abis)}")

    def _find(self, query: str | int, abi: str | None) -> Found[Cell]:
        from syscalltbl.export.lookup import find

        columns = list(range(len(self.abis)))
        if abi is not None:
            columns = [i for i, a in enumerate(self.abis) if abi in (a.arch, a.label)]
            if not columns:
                known = ", ".join(self.arches)
                raise KeyError(f"unknown architecture {abi!r}: expected one of {known} (or ARCH/ABI)")
        return find(
            self._index.rows,
            query,
            columns,
            bases=[a.base for a in self.abis],
            labels=[a.label for a in self.abis],
            number=lambda cell: cell[0],
            symbols=lambda cell: (cell[2], cell[3]),
        )

    def _prototype_map(self, headers: Path | None) -> dict[str, list[Prototype]]:
        from syscalltbl.export.matrix import load_prototypes, prototype_headers

        if headers is not None:
            return load_prototypes(prototype_headers(headers), headers)
        if not self._prototypes:
            files = prototype_headers(self.root, project=not self.is_tree)
            self._prototypes.update(load_prototypes(files, self.root))
        return self._prototypes
