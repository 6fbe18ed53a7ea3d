"""The cross-architecture matrix: every syscall on every architecture/ABI, straight from the tables.

An *ABI selection* is what one architecture's generated headers select from
one table: `x86/64` is `--abis common,64` over syscall_64.tbl. Selections are
derived from arch/tables.toml, never listed here: every `syscallhdr`,
`syscalltbl` and s390 `-H` output names its table and ABI list, and the
distinct (table, ABI list) pairs of an architecture are its selections.
Headers generated with `--prefix` are left out: they are the kernel's private,
renamed copies of an ABI (`__NR_ia32_*`, `__NR_compat32_*`) or of a part of
one (x86's `unistd_64_x32.h`, the x32-only entries), not ABIs of their own.

Each selection's name and number base come from arch/abi-bases.toml when an
`[[abi]]` there describes it (x86/x32 numbers from `__X32_SYSCALL_BIT`, mips
o32 from 4000, arm OABI from 0x900000): the one `[[abi]]` of its architecture
and table when each has only one (mips passes no `--abis`), else the one
selecting the same entries. Otherwise the name is the suffix of the kernel's
own header (`unistd_64.h`: `64`) and the base is 0. An architecture with one
selection is a column named after the architecture alone.

Rows are syscall names, sorted; a cell is the entry the selection takes for
that name (None where it has none). Lint findings, with the exceptions file
applied as `syscalltbl lint` applies it (`lint_report`), are placed on the
cells and rows they concern, or on the heads of the columns an output's
invocation or a table's other lines concern (`place_marks`); prototypes are
read from kernel headers (`prototype_headers`, `load_prototypes`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.generators import scripts
from syscalltbl.tables import abi, read
from syscalltbl.tables.abibases import FILE_NAME as ABI_BASES
from syscalltbl.tables.abibases import AbiBase, load_abi_data
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.headers import prototype_headers as prototype_headers
from syscalltbl.tables.model import Entry, Table
from syscalltbl.tables.project import Output, Project
from syscalltbl.tables.prototype_model import Prototype

if TYPE_CHECKING:
    from syscalltbl.export.lookup import Found

#: Beside tables.toml: each ABI's name, base and the macro holding it.

#: Generators whose output lists syscalls of an ABI selection.
_LISTING_GENERATORS = ("syscallhdr", "syscalltbl", "s390-syscalltbl")


@dataclass(frozen=True, slots=True)
class Selection:
    """One column of the matrix: the entries one architecture's ABI takes from one table."""

    arch: str
    #: The ABI's name within its architecture: `64`, `x32`, `o32`, `oabi`.
    name: str
    #: The column's label: `x86/64`, or `alpha` for an architecture with one ABI.
    column: str
    #: The table's kernel path as the architecture's Makefile names it.
    table: str
    #: The file the table really is (through a symlink: arm64's syscall_64.tbl
    #: is scripts/syscall.tbl); entries' locations name it.
    source: str
    #: The `--abis` list; None selects every line.
    abis: tuple[str, ...] | None
    #: Added to a table number to give the number userspace passes.
    base: int
    #: The C macro holding the base (`__X32_SYSCALL_BIT`), or "" if there is none.
    base_macro: str
    #: Where the kernel defines the macro, or "".
    base_defined_in: str
    #: The generated files that list this selection, in tables.toml order.
    outputs: tuple[str, ...]

    def absolute(self, entry: Entry) -> int:
        return self.base + entry.number

    def absolute_text(self, entry: Entry) -> str:
        """`1073741863 (0x40000027 = __X32_SYSCALL_BIT + 39)`, or the number alone without a base."""
        if not self.base:
            return str(entry.number)
        value = self.absolute(entry)
        macro = self.base_macro or hex(self.base)
        return f"{value} ({value:#x} = {macro} + {entry.number})"


@dataclass(frozen=True, slots=True)
class Matrix:
    """Every syscall name, and its entry in each selection (None where it has none)."""

    kernel: str
    selections: tuple[Selection, ...]
    #: Sorted by name; each tuple is parallel to `selections`.
    rows: dict[str, tuple[Entry | None, ...]]
    #: Parsed tables by their real kernel path.
    tables: dict[str, Table]
    #: Architecture -> why its tables could not be read; its selections are left out
    #: (only when built with `skip_broken`).
    broken: dict[str, SyscalltblError] = field(default_factory=dict)

    @property
    def arches(self) -> list[str]:
        return sorted({s.arch for s in self.selections})

    def columns(self, arch: str | None = None) -> list[int]:
        """Indexes of the selections of `arch` (an architecture or a column label), or of all."""
        if arch is None:
            return list(range(len(self.selections)))
        return [i for i, s in enumerate(self.selections) if arch in (s.arch, s.column)]

    def lookup(self, query: str | int, columns: Sequence[int]) -> Found[Entry]:
        """The cells `show QUERY` shows within `columns` (a name, an entry point or a number; see
        syscalltbl.export.lookup), and why there are none if so."""
        from syscalltbl.export.lookup import find

        return find(
            self.rows,
            query,
            columns,
            bases=[s.base for s in self.selections],
            labels=[s.column for s in self.selections],
            number=lambda entry: entry.number,
            symbols=lambda entry: (entry.entry_point, entry.compat_entry_point),
        )


def load_bases(root: Path) -> tuple[AbiBase, ...]:
    """The `[[abi]]` entries of ROOT/abi-bases.toml; none if the project has no such file."""
    path = root / ABI_BASES
    return load_abi_data(path).bases if path.is_file() else ()


def project_bases(project: Project) -> tuple[AbiBase, ...]:
    """The ABI bases of `project`: its own abi-bases.toml, or for a kernel tree (which keeps them
    in C headers, not in a file syscalltbl reads) the shipped one: the bases do not change between
    versions (__X32_SYSCALL_BIT, mips' __NR_Linux, arm's __NR_OABI_SYSCALL_BASE)."""
    from syscalltbl.tables import shipped

    return load_bases(shipped.arch() if project.tree is not None else project.root)


@dataclass(frozen=True, slots=True)
class _Candidate:
    arch: str
    table: str
    abis: tuple[str, ...] | None
    outputs: tuple[Output, ...]


def _job(output: Output) -> scripts.Job:
    argv = [a.replace("{input}", output.input).replace("{output}", output.path) for a in output.argv]
    return scripts.parse_argv(output.generator, argv)


def _candidates(project: Project) -> list[_Candidate]:
    """The distinct (arch, table, ABI list) of the outputs that list an ABI's syscalls, in tables.toml order."""
    found: dict[tuple[str, str, tuple[str, ...] | None], list[Output]] = {}
    for output in project.outputs:
        if output.generator not in _LISTING_GENERATORS:
            continue
        job = _job(output)
        if job.prefix:
            continue
        if output.generator == "s390-syscalltbl" and "H" not in job.modes:
            continue
        found.setdefault((output.arch, output.input, job.abis), []).append(output)
    return [_Candidate(arch, table, abis, tuple(outs)) for (arch, table, abis), outs in found.items()]


def _header_suffix(outputs: Iterable[Output]) -> str:
    """`64` from unistd_64.h, `spu` from syscall_table_spu.h: the kernel's own name for the ABI."""
    paths = sorted((0 if o.generator != "syscalltbl" else 1, o.path) for o in outputs)
    stem = Path(paths[0][1]).name.split(".", 1)[0]
    return re.split(r"[_-]", stem)[-1]


def _selected_lines(table: Table, abis: tuple[str, ...] | None) -> frozenset[int]:
    return frozenset(e.location.line for e in abi.select(table.entries, abis))


def _match_base(
    candidate: _Candidate, bases: tuple[AbiBase, ...], candidates: list[_Candidate], project: Project, table: Table
) -> AbiBase | None:
    """The `[[abi]]` describing `candidate`: the one of its architecture and table if each has one
    (mips passes no --abis), else the one selecting the same entries."""
    source = project.aliases.get(candidate.table, candidate.table)
    mine = [b for b in bases if b.arch == candidate.arch and project.aliases.get(b.table, b.table) == source]
    siblings = [c for c in candidates if c.arch == candidate.arch and c.table == candidate.table]
    if len(mine) == 1 and len(siblings) == 1:
        return mine[0]
    lines = _selected_lines(table, candidate.abis)
    return next((b for b in mine if _selected_lines(table, b.select) == lines), None)


def load_tables(
    project: Project, kernel_paths: Iterable[str], failed: dict[str, SyscalltblError] | None = None
) -> dict[str, Table]:
    """Each table parsed (through the cache), keyed by its real kernel path.

    A table that cannot be read raises its error, or with `failed` is left out and its
    error recorded there under its real kernel path."""
    tables: dict[str, Table] = {}
    for kernel_path in kernel_paths:
        real = project.aliases.get(kernel_path, kernel_path)
        if real not in tables and (failed is None or real not in failed):
            file = project.table_file(real)
            try:
                tables[real] = read.load_table(read.read_input(str(file)), real)
            except SyscalltblError as exc:
                if failed is None:
                    raise
                failed[real] = exc
    return tables


def build_matrix(project: Project, *, skip_broken: bool = False) -> Matrix:
    """The matrix of `project`: its selections and every syscall name they list.

    A table that cannot be read is an error; with `skip_broken`, the architectures
    reading it are left out instead and `Matrix.broken` says why."""
    candidates = _candidates(project)
    failed: dict[str, SyscalltblError] | None = {} if skip_broken else None
    tables = load_tables(project, sorted({c.table for c in candidates}), failed)
    broken: dict[str, SyscalltblError] = {}
    for candidate in candidates:
        error = (failed or {}).get(project.aliases.get(candidate.table, candidate.table))
        if error is not None:
            broken.setdefault(candidate.arch, error)
    candidates = [c for c in candidates if c.arch not in broken]
    bases = project_bases(project)
    per_arch: dict[str, int] = {}
    for candidate in candidates:
        per_arch[candidate.arch] = per_arch.get(candidate.arch, 0) + 1

    selections: list[Selection] = []
    for candidate in candidates:
        source = project.aliases.get(candidate.table, candidate.table)
        table = tables[source]
        base = _match_base(candidate, bases, candidates, project, table)
        name = base.abi if base is not None else _header_suffix(candidate.outputs)
        column = f"{candidate.arch}/{name}" if per_arch[candidate.arch] > 1 else candidate.arch
        selections.append(
            Selection(
                arch=candidate.arch,
                name=name,
                column=column,
                table=candidate.table,
                source=source,
                abis=candidate.abis,
                base=base.base if base is not None else 0,
                base_macro=base.macro if base is not None else "",
                base_defined_in=base.defined_in if base is not None else "",
                outputs=tuple(o.path for o in candidate.outputs),
            )
        )
    selections.sort(key=lambda s: s.arch)  # stable: an architecture's ABIs stay in tables.toml order

    cells: dict[str, list[Entry | None]] = {}
    for index, selection in enumerate(selections):
        for entry in abi.select(tables[selection.source].entries, selection.abis):
            row = cells.setdefault(entry.name, [None] * len(selections))
            if row[index] is None:  # a name listed twice keeps its first line (the linter reports it)
                row[index] = entry
    rows = {name: tuple(cells[name]) for name in sorted(cells)}
    return Matrix(project.kernel, tuple(selections), rows, tables, broken)


# --- lint findings, placed on the matrix ------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """A lint finding, as the matrix shows it."""

    rule: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    #: The cell it concerns when the linter says so (XAR002's clone3 missing on sh points at a
    #: comment, but is about the empty cell of clone3 on sh).
    syscall: str = ""
    arch: str = ""
    #: The generated file whose invocation (in tables.toml) it points at: about a column.
    output: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.rule}]"


#: Most severe first.
SEVERITY_ORDER = ("error", "warning", "note")


def worst(marks: Iterable[Mark]) -> str:
    """The most severe severity among `marks`, or ""."""
    found = {m.severity for m in marks}
    return next((s for s in SEVERITY_ORDER if s in found), "")


@dataclass(frozen=True, slots=True)
class LintReport:
    """What `syscalltbl lint` reports on a project, with the same exceptions applied."""

    #: The findings lint shows (those the exceptions file does not suppress).
    marks: tuple[Mark, ...]
    suppressed: int
    #: Lint's own summary: `0 errors, 3 warnings, 7 notes; 1 suppressed by exceptions`.
    summary: str


def lint_report(project: Project) -> LintReport:
    """The linter's findings on `project` as `syscalltbl lint` reports them: every rule, then the
    project's exceptions file (or the shipped one) applied, as the matrix marks them."""
    from syscalltbl.lint import run_lint
    from syscalltbl.lint.diagnostics import summary
    from syscalltbl.lint.exceptions import apply_exceptions, default_file, load_exceptions
    from syscalltbl.lint.project_inputs import load_project_inputs
    from syscalltbl.lint.rules import RULES

    if project.tree is not None:
        from syscalltbl.lint.tree import load_tree_inputs

        # A tree is linted as `lint --tree` lints it: its headers, sys_ni.c and sources too.
        inputs = load_tree_inputs(project.tree)
    else:
        inputs = load_project_inputs(project)
    exceptions_file = default_file(project.root)
    exceptions = load_exceptions(exceptions_file, list(RULES)) if exceptions_file else []
    applied = apply_exceptions(run_lint(inputs), exceptions)
    # A finding at an output's invocation is about that output's column.
    invocations = {(o.source.file, o.source.line): o for o in inputs.outputs if o.source is not None}
    marks = []
    for f in applied.kept:
        invocation = invocations.get((f.location.file, f.location.line))
        marks.append(
            Mark(
                rule=str(f.rule),
                severity=str(f.severity),
                message=str(f.message),
                file=str(f.location.file),
                line=int(f.location.line),
                column=int(f.location.column),
                syscall=f.syscall,
                arch=f.arch or (invocation.arch if invocation else ""),
                output=invocation.path if invocation else "",
            )
        )
    text = summary(applied.kept, len(applied.suppressed)).removeprefix("syscalltbl lint: ")
    return LintReport(tuple(marks), len(applied.suppressed), text)


@dataclass(frozen=True, slots=True)
class PlacedMarks:
    """Findings by where the matrix shows them."""

    #: (syscall name, column index) -> findings about that cell (it may be empty).
    cells: dict[tuple[str, int], tuple[Mark, ...]]
    #: syscall name -> findings about any of its cells.
    rows: dict[str, tuple[Mark, ...]]
    #: column index -> findings about the column as a whole: its output's invocation, or a
    #: line of its table that is no entry.
    heads: dict[int, tuple[Mark, ...]]
    #: Findings on none of these: prototype headers, files the matrix does not show.
    elsewhere: tuple[Mark, ...]


def _spellings(project: Project, matrix: Matrix) -> dict[str, str]:
    """Every way a finding may name a table file -> the table's real kernel path."""
    names: dict[str, str] = {}
    top = project.tree if project.tree is not None else project.root  # a tree's scripts/ is beside arch/
    for real in matrix.tables:
        file = project.table_file(real)
        inside = file.relative_to(top)
        for spelling in (real, str(file), str(file.resolve()), str(inside), f"{top.name}/{inside}"):
            names[spelling] = real
    for alias, target in project.aliases.items():
        if target in matrix.tables:
            names[alias] = target
    return names


def _table_of(file: str, spellings: dict[str, str]) -> str | None:
    if file in spellings:
        return spellings[file]
    try:
        resolved = str(Path(file).resolve())
    except OSError:
        return None
    return spellings.get(resolved)


def _head_columns(matrix: Matrix, mark: Mark, table: str | None) -> list[int]:
    """The columns a finding about no entry concerns: its output's, else its architecture's
    (an output that is not a column of its own, like x86's `--prefix` headers), else those
    reading the table it points into."""
    selections = list(enumerate(matrix.selections))
    if mark.output:
        return [i for i, s in selections if mark.output in s.outputs] or [
            i for i, s in selections if s.arch == mark.arch
        ]
    if table is not None:
        return [i for i, s in selections if s.source == table]
    return []


def place_marks(project: Project, matrix: Matrix, marks: Iterable[Mark]) -> PlacedMarks:
    """Each finding on the cells and rows it concerns, or on the heads of its columns; the rest elsewhere."""
    spellings = _spellings(project, matrix)
    by_line: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for name, entries in matrix.rows.items():
        for index, entry in enumerate(entries):
            if entry is not None:
                by_line.setdefault((matrix.selections[index].source, entry.location.line), []).append((name, index))
    entry_lines = {(real, e.location.line): e.name for real, t in matrix.tables.items() for e in t.entries}
    cells: dict[tuple[str, int], list[Mark]] = {}
    rows: dict[str, list[Mark]] = {}
    heads: dict[int, list[Mark]] = {}
    elsewhere: list[Mark] = []
    for mark in marks:
        subject = [i for i, s in enumerate(matrix.selections) if s.arch == mark.arch] if mark.syscall else []
        if mark.syscall in matrix.rows and subject:
            rows.setdefault(mark.syscall, []).append(mark)
            for index in subject:
                cells.setdefault((mark.syscall, index), []).append(mark)
            continue
        real = _table_of(mark.file, spellings)
        key = (real or "", mark.line)
        if real is not None and entry_lines.get(key) in matrix.rows:
            rows.setdefault(entry_lines[key], []).append(mark)
            for cell in by_line.get(key, []):
                cells.setdefault(cell, []).append(mark)
            continue
        columns = _head_columns(matrix, mark, real)
        for index in columns:
            heads.setdefault(index, []).append(mark)
        if not columns:
            elsewhere.append(mark)
    return PlacedMarks(
        {k: tuple(v) for k, v in cells.items()},
        {k: tuple(v) for k, v in rows.items()},
        {k: tuple(v) for k, v in heads.items()},
        tuple(elsewhere),
    )


# --- prototypes -------------------------------------------------------------

def header_arch(shown: str) -> str:
    """The architecture a prototype header belongs to, from its path as `load_prototypes` shows it:
    "" for the generic include/linux/ headers, `x86` for arch/x86/include/asm/syscalls.h (a tree)
    or x86/include/syscalls_64.h (a project's arch/). An architecture's header declares its own
    entry points, which another architecture's same-named symbol need not match."""
    parts = Path(shown).parts
    if len(parts) > 2 and parts[0] == "arch" and parts[2] == "include":
        return parts[1]
    if len(parts) > 1 and parts[0] != "include" and parts[1] == "include":
        return parts[0]
    return ""


def load_prototypes(headers: Iterable[Path], shown_relative_to: Path | None = None) -> dict[str, list[Prototype]]:
    """Symbol -> its prototypes across `headers`, in header order.

    Locations name each header relative to `shown_relative_to` when it is inside it.
    """
    from syscalltbl.tables.limits import read_bounded
    from syscalltbl.tables.prototypes import parse_prototypes

    symbols: dict[str, list[Prototype]] = {}
    for header in headers:
        shown = str(header)
        if shown_relative_to is not None and header.is_relative_to(shown_relative_to):
            shown = str(header.relative_to(shown_relative_to))
        parsed = parse_prototypes(shown, read_bounded(header, header=True).decode("utf-8", errors="surrogateescape"))
        for prototype in parsed.prototypes:
            symbols.setdefault(prototype.name, []).append(prototype)
    return symbols
