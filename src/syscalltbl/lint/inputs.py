"""Everything the linter looks at, gathered once by a loader and then only read.

Loaders (project_inputs.py for a syscalltbl project, tree.py for a kernel
tree, files.py for single tables) fill a LintInputs; the graph and the rules
never touch the file system. Optional parts are None when their source is not
there to read, so that a rule can tell "not declared" from "not looked at".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from syscalltbl.tables.abibases import AbiData
from syscalltbl.tables.model import Location, Table
from syscalltbl.tables.prototype_model import PrototypeFile


@dataclass(frozen=True, slots=True)
class OutputSelection:
    """One generated file and the entries its generator takes from its table.

    `abis` is the selection exactly as the generator applies it (a prefix
    match, see syscalltbl.tables.abi): None selects every entry, as does a list
    holding the empty name (mips' syscallnr.sh is run with ABIS "").
    """

    arch: str
    generator: str
    #: Kernel path of the table read, as the Makefile names it (before aliases).
    table: str
    abis: tuple[str, ...] | None
    #: Kernel path of the generated file.
    path: str
    #: False for outputs that only count entries (arm/mips syscallnr.sh, s390 -N):
    #: two entries sharing a number cannot collide in them.
    lists_entries: bool = True
    #: s390's -S mode: a `32` or `64` line replaces one half of the row of the
    #: number it shares with a `common` line; that sharing is by design.
    merges_halves: bool = False
    #: Where the invocation is written (tables.toml or a kernel Makefile).
    source: Location | None = None
    #: s390's script runs one mode per invocation here: "H", "S" or "N" ("" for the others).
    mode: str = ""
    #: The invocation's arguments as the script received them: what `build` would run again.
    argv: tuple[str, ...] = ()

    def selects_all(self) -> bool:
        return self.abis is None or "" in self.abis


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line the reader could not take into the model (it is left out of `tables`)."""

    message: str
    location: Location
    #: "malformed" or "crlf": which rule reports it.
    kind: str = "malformed"


@dataclass(frozen=True, slots=True)
class TableSource:
    """A table's text as read, for the rules about how lines are written."""

    #: The path diagnostics show for this table.
    file: str
    lines: tuple[str, ...]
    problems: tuple[LineProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class PerfCopy:
    """A copy of a kernel table under tools/perf, which perf's build reads instead."""

    path: str
    #: Kernel path of the table it copies.
    copies: str
    table: Table


@dataclass(frozen=True, slots=True)
class LintInputs:
    #: Kernel path -> table (lines that failed to parse are left out and
    #: reported from `sources`).
    tables: dict[str, Table]
    outputs: tuple[OutputSelection, ...]
    #: Kernel path -> the kernel path it is a symlink to.
    aliases: dict[str, str] = field(default_factory=dict)
    #: Kernel path -> text and reader problems of that table.
    sources: dict[str, TableSource] = field(default_factory=dict)
    #: Parsed prototype headers; None when no header was read.
    prototypes: tuple[PrototypeFile, ...] | None = None
    #: Kernel paths of the prototype headers read ("include/linux/compat.h"):
    #: a rule only expects a declaration from a header that was there to read.
    headers_read: frozenset[str] = frozenset()
    #: PrototypeFile.path -> the kernel path of the header it is (lists are not headers).
    header_kernel_paths: dict[str, str] = field(default_factory=dict)
    #: Names include/linux/syscalls.h declares in the tables' own version (the
    #: corpus meta list), to tell a version gap from a missing prototype.
    reference_names: frozenset[str] | None = None
    #: Symbols the C and assembly sources define; None when sources were not read.
    definitions: frozenset[str] | None = None
    #: Entry-point symbols that kernel/sys_ni.c (or its corpus list) stubs out
    #: with COND_SYSCALL: `sys_x`, `compat_sys_x`. None when not read.
    cond_syscalls: frozenset[str] | None = None
    #: Where each cond_syscall symbol is written, for messages.
    cond_source: str = ""
    perf_copies: tuple[PerfCopy, ...] = ()
    abi_data: AbiData = field(default_factory=AbiData)
    #: Kernel version of the tables and of the headers ("6.18.2"), when known:
    #: prototypes missing from older headers are a version gap, not a fault.
    tables_version: str | None = None
    headers_version: str | None = None
    #: arch -> what the loader learned and from where (shown with --verbose).
    notes: dict[str, list[str]] = field(default_factory=dict)

    def real_path(self, kernel_path: str) -> str:
        """The table a kernel path names, through symlinks."""
        return self.aliases.get(kernel_path, kernel_path)

    def arches(self) -> list[str]:
        return sorted({o.arch for o in self.outputs})
