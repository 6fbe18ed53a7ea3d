"""Rules across architectures: unified numbering, gaps, and tools/perf's copies."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator

from syscalltbl.lint.findings import Finding
from syscalltbl.lint.graph import LintGraph
from syscalltbl.lint.rulebase import rule
from syscalltbl.tables.model import Entry, Location, Table

GENERIC_TABLE = "scripts/syscall.tbl"
#: pidfd_send_signal, the first syscall numbered alike on every architecture
#: (Documentation/process/adding-syscalls.rst).
UNIFIED_FROM = 424
#: A syscall present on at least this share of architectures is expected on all.
EXPECTED_SHARE = 2 / 3


def _unified(lg: LintGraph) -> dict[str, set[int]]:
    """Syscall name -> its numbers in scripts/syscall.tbl, for the unified range."""
    numbers: dict[str, set[int]] = defaultdict(set)
    if GENERIC_TABLE in lg.inputs.tables:
        for entry in lg.entries(GENERIC_TABLE):
            if entry.number >= UNIFIED_FROM:
                numbers[entry.name].add(entry.number)
    return numbers


def _own_tables(lg: LintGraph) -> Iterator[tuple[str, str]]:
    """(table, arch) for every table other than the generic one, with the arch that reads it."""
    for path in lg.inputs.tables:
        if path == GENERIC_TABLE:
            continue
        arches = lg.table_arches(path)
        if arches:
            yield path, arches[0]


@rule(
    "XAR001",
    "warning",
    "unified syscall numbered differently on an architecture",
    """Since 424 (pidfd_send_signal) a new syscall gets one number on every architecture
    (Documentation/process/adding-syscalls.rst), the number scripts/syscall.tbl gives it.
    Alpha's table carries the same numbers plus 110 and mips' tables are numbered from 0
    (syscallhdr.sh adds __NR_Linux); both offsets come from arch/abi-bases.toml. Any other
    difference makes the syscall's number depend on the architecture again.""",
)
def unified_number(lg: LintGraph) -> Iterator[Finding]:
    generic = _unified(lg)
    if not generic:
        return
    for path, arch in _own_tables(lg):
        offset, _why = lg.inputs.abi_data.unified.get(arch, (0, ""))
        for entry in lg.entries(path):
            numbers = generic.get(entry.name)
            if numbers and entry.number - offset not in numbers:
                expected = ", ".join(str(n + offset) for n in sorted(numbers))
                shift = f" + {offset} on {arch}" if offset else ""
                yield unified_number.finding(
                    entry.location,
                    f"{entry.name} is {min(numbers)} in {GENERIC_TABLE}{shift}: expected {expected}, "
                    f"found {entry.number}",
                )


def _reason(table: Table, name: str, numbers: set[int]) -> tuple[Location | None, str]:
    """The comment that explains a gap (`# 435 reserved for clone3`), if the table has one."""
    for comment in table.comments:
        words = comment.text.replace(",", " ").split()
        if name in words or (any(str(n) in words for n in numbers) and "reserved" in words):
            return comment.location, f"the table says: {comment.text.lstrip('#').strip()!r}"
    return None, "no comment in the table explains the gap"


def _gap_location(lg: LintGraph, arch: str, table_path: str) -> Location:
    """For an arch built from the generic table, the invocation whose ABI list leaves it out."""
    for _, sel in lg.outputs():
        if sel.arch == arch and sel.lists_entries and sel.source is not None:
            return sel.source
    entries: list[Entry] = list(lg.entries(table_path))
    return Location(entries[0].location.file if entries else table_path, 1, 1)


@rule(
    "XAR002",
    "warning",
    "unified syscall missing on one architecture",
    """A syscall of the unified range (424 and up in scripts/syscall.tbl) that at least two
    thirds of the architectures wire up is expected on all of them; where one leaves it out
    the gap should be deliberate and documented (sh and sparc keep `# 435 reserved for
    clone3`). The finding quotes the table's own explanation when there is one.""",
)
def missing_on_arch(lg: LintGraph) -> Iterator[Finding]:
    generic = _unified(lg)
    arches = sorted({sel.arch for _, sel in lg.outputs() if sel.lists_entries})
    if not generic or len(arches) < 3:
        return
    present = {arch: lg.arch_syscalls(arch) for arch in arches}
    needed = math.ceil(EXPECTED_SHARE * len(arches))
    tables = dict(_own_tables(lg))
    by_arch = {arch: [p for p, a in tables.items() if a == arch] for arch in arches}
    for name, numbers in sorted(generic.items()):
        having = [a for a in arches if name in present[a]]
        if len(having) < needed or len(having) == len(arches):
            continue
        for arch in arches:
            if name in present[arch]:
                continue
            own = by_arch[arch]
            where: Location | None = None
            reason = f"its outputs do not select the ABI of {name} in {GENERIC_TABLE}"
            if own:
                where, reason = _reason(lg.inputs.tables[own[0]], name, numbers)
                where = where or Location(lg.inputs.tables[own[0]].path, 1, 1)
            yield missing_on_arch.finding(
                where or _gap_location(lg, arch, GENERIC_TABLE),
                f"{name} ({min(numbers)}) is wired up on {len(having)} of {len(arches)} architectures "
                f"but not on {arch}: {reason}",
                syscall=name,
                arch=arch,
            )


def _row(entry: Entry) -> tuple[int, str, str, str | None, str | None, bool]:
    return (entry.number, entry.abi, entry.name, entry.entry_point, entry.compat_entry_point, entry.noreturn)


@rule(
    "PRF001",
    "warning",
    "tools/perf copy differs from the table",
    """perf builds its syscall name tables from copies under tools/perf/arch/*/entry/syscalls/
    (tools/ must build without the kernel tree), and tools/perf/check-headers.sh warns when
    a copy drifts. A stale copy makes `perf trace` print wrong or missing syscall names for
    every syscall added since.""",
)
def perf_drift(lg: LintGraph) -> Iterator[Finding]:
    for node, data in lg.g.nodes(data=True):
        if node[0] != "perf":
            continue
        copy = data["copy"]
        table = lg.inputs.tables[lg.inputs.real_path(copy.copies)]
        ours = [_row(e) for e in copy.table.entries]
        theirs = [_row(e) for e in table.entries]
        if ours == theirs:
            continue
        missing = set(theirs) - set(ours)
        extra = set(ours) - set(theirs)
        pairs = enumerate(zip(ours, theirs, strict=False))
        index = next((i for i, (a, b) in pairs if a != b), min(len(ours), len(theirs)))
        if index < len(copy.table.entries):
            where = copy.table.entries[index].location
        else:
            last = copy.table.entries[-1].location if copy.table.entries else Location(copy.path, 1, 1)
            where = Location(last.file, last.line, 1)
        first = theirs[index] if index < len(theirs) else None
        detail = f"; first difference: the table has {first[0]} {first[2]!r} here" if first else ""
        yield perf_drift.finding(
            where,
            f"copy of {copy.copies} differs: {len(missing)} line(s) missing, {len(extra)} line(s) not in the "
            f"table{detail}",
        )
