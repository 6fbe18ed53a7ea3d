"""Rules about what the outputs select: duplicates taken together, ABIs nobody takes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from syscalltbl.lint.findings import Finding
from syscalltbl.lint.graph import LintGraph
from syscalltbl.lint.inputs import OutputSelection
from syscalltbl.lint.rulebase import rule
from syscalltbl.tables.model import Entry, Location


def _names_entries(sel: OutputSelection) -> bool:
    """Whether the generator prints each selected entry's name (`__NR_<name>`)."""
    return sel.generator == "syscallhdr" or (sel.generator == "s390-syscalltbl" and sel.mode == "H")


def _shown(sel: OutputSelection) -> str:
    abis = "all ABIs" if sel.abis is None else "--abis " + ",".join(sel.abis)
    mode = f" -{sel.mode}" if sel.mode else ""
    return f"{sel.path} ({sel.generator}{mode}, {abis})"


def _clashes(lg: LintGraph, key: str, naming_only: bool) -> dict[tuple[Entry, Entry], list[OutputSelection]]:
    """(first, later) entry pairs that share `key` in some output, and the outputs they share."""
    pairs: dict[tuple[Entry, Entry], list[OutputSelection]] = defaultdict(list)
    for node, sel in lg.outputs():
        if not sel.lists_entries or (naming_only and not _names_entries(sel)):
            continue
        groups: dict[object, list[Entry]] = defaultdict(list)
        for entry in lg.selected(node):
            value: object = entry.number if key == "number" else entry.name
            if sel.merges_halves and key == "number":
                # s390 -S: one `common` row per number, each `32`/`64` line may replace its half.
                value = (entry.number, entry.abi if entry.abi in ("32", "64") else "row")
            groups[value].append(entry)
        for group in groups.values():
            for later in group[1:]:
                pairs[(group[0], later)].append(sel)
    return pairs


@rule(
    "SEL001",
    "error",
    "one number selected twice by an output",
    """Two entries with one number taken by the same output: the generated table gets two
    initialisers for one slot (the later silently wins) and the header two macros with
    one value. Only outputs count: scripts/syscall.tbl reuses numbers across ABIs on
    purpose (mmap2 for `32`, mmap for `64`) because no output selects both.""",
)
def duplicate_number(lg: LintGraph) -> Iterator[Finding]:
    for (first, later), outputs in _clashes(lg, "number", naming_only=False).items():
        yield duplicate_number.finding(
            later.location,
            f"number {later.number} is also {first.name!r} (line {first.location.line}), and "
            f"{_shown(outputs[0])} selects both"
            + (f" (as do {len(outputs) - 1} more outputs)" if len(outputs) > 1 else ""),
        )


@rule(
    "SEL002",
    "error",
    "one __NR_ name selected twice by an output",
    """Two entries with one name taken by the same header output define `__NR_<name>` twice,
    with different numbers: the C compiler warns about the redefinition and userspace gets
    whichever comes last.""",
)
def duplicate_name(lg: LintGraph) -> Iterator[Finding]:
    for (first, later), outputs in _clashes(lg, "name", naming_only=True).items():
        yield duplicate_name.finding(
            later.location,
            f"__NR_{later.name} is also number {first.number} (line {first.location.line}), and "
            f"{_shown(outputs[0])} selects both",
        )


def _abi_lines(lg: LintGraph, path: str) -> dict[str, list[Entry]]:
    lines: dict[str, list[Entry]] = defaultdict(list)
    for entry in lg.entries(path):
        lines[entry.abi].append(entry)
    return lines


@rule(
    "ABI001",
    "error",
    "ABI that no output selects",
    """An entry whose ABI no output of its table selects is generated nowhere: a typo such as
    `commmon` silently drops the syscall from every header and table, and the kernel's
    scripts never complain.""",
)
def unselected_abi(lg: LintGraph) -> Iterator[Finding]:
    for path, _table in lg.tables():
        readers = lg.outputs_reading(path)
        if not readers:
            continue
        for abi, entries in _abi_lines(lg, path).items():
            if not lg.selections_of(path, abi):
                arches = sorted({o.arch for o in readers})
                yield unselected_abi.finding(
                    Location(entries[0].location.file, entries[0].location.line, entries[0].columns[1]),
                    f"no output selects ABI {abi!r} ({len(entries)} line{'s' * (len(entries) != 1)}); "
                    f"the outputs of {', '.join(arches)} select "
                    f"{', '.join(sorted(_selected_names(readers)))}",
                )


def _selected_names(readers: list[OutputSelection]) -> set[str]:
    return {name for o in readers if o.abis for name in o.abis if name}


@rule(
    "ABI002",
    "error",
    "ABI selected only by a prefix match",
    """The scripts select ABIs with the regex `^[0-9]+[[:space:]]+(common|64)`, a prefix
    match: an ABI `commonx` or `64bit` is taken by an output that asked for `common` or
    `64`. Nobody means that; it is a typo that happens to compile, and the next
    generator that matches exactly drops the line.""",
)
def prefix_trap(lg: LintGraph) -> Iterator[Finding]:
    for path, _table in lg.tables():
        for abi, entries in _abi_lines(lg, path).items():
            selections = lg.selections_of(path, abi)
            if selections and all(how == "prefix" for _, how in selections):
                sel = selections[0][0]
                assert sel.abis is not None
                prefix = next(name for name in sel.abis if abi.startswith(name))
                yield prefix_trap.finding(
                    Location(entries[0].location.file, entries[0].location.line, entries[0].columns[1]),
                    f"ABI {abi!r} is selected only because it starts with {prefix!r} "
                    f"({_shown(sel)}); write {prefix!r} or add {abi!r} to the output's ABI list",
                )


@rule(
    "ABI003",
    "note",
    "output selects an ABI its table does not use",
    """An ABI named in an output's list that no line of its table carries selects nothing.
    Often harmless (kbuild's default lists name `32` and `64` for every architecture), but
    a misspelt ABI in a Makefile shows up here.""",
)
def dead_selection(lg: LintGraph) -> Iterator[Finding]:
    for _node, sel in lg.outputs():
        if sel.abis is None or sel.source is None:
            continue
        path = lg.inputs.real_path(sel.table)
        if ("table", path) not in lg.g:
            continue
        used = set(_abi_lines(lg, path))
        for name in sel.abis:
            if name and not any(abi.startswith(name) for abi in used):
                yield dead_selection.finding(
                    sel.source, f"{_shown(sel)} selects ABI {name!r}, which no line of {path} has"
                )
