"""Rules about entry points: definitions, prototypes, COND_SYSCALL stubs, noreturn."""

from __future__ import annotations

import re
from collections.abc import Iterator

from syscalltbl.lint.findings import Finding, Severity
from syscalltbl.lint.graph import NO_ENTRY, LintGraph
from syscalltbl.lint.headers import version_key
from syscalltbl.lint.rulebase import rule
from syscalltbl.tables.model import Location

NI_SYSCALL = "sys_ni_syscall"
SYSCALLS_H = "include/linux/syscalls.h"
GENERIC_TABLE = "scripts/syscall.tbl"
COMPAT_H = "include/linux/compat.h"


def _first_use(lg: LintGraph, symbol: str) -> tuple[Location, int, frozenset[str]]:
    """Where `symbol` is first used as an entry point, how many lines use it, and their arches."""
    uses = sorted(lg.callers(symbol), key=lambda use: (use[1].location.file, use[1].location.line))
    _, entry, roles = uses[0]
    column_index = 3 if "native" in roles else 4
    arches: set[str] = set()
    for path, caller, _ in uses:
        arches.update(lg.abi_arches(path, caller.abi))
    where = Location(entry.location.file, entry.location.line, entry.columns[column_index])
    return where, len(uses), frozenset(arches)


def _used_symbols(lg: LintGraph) -> list[str]:
    return sorted(s for s in lg.symbols() if any(True for _ in lg.callers(s)))


def _version_gap(lg: LintGraph) -> str | None:
    tables, headers = lg.inputs.tables_version, lg.inputs.headers_version
    if tables and headers and version_key(headers) < version_key(tables):
        return f"the headers ({headers}) are older than the tables ({tables})"
    return None


@rule(
    "ENT001",
    "error",
    "entry point neither defined nor declared",
    """Every entry point a selected line names becomes a reference in the generated syscall
    table; if no C or assembly source defines it (SYSCALL_DEFINEn, COMPAT_SYSCALL_DEFINEn,
    a plain definition, ENTRY/SYM_FUNC_START/.globl) and no header declares it, the
    kernel fails to compile or link. Only checked when the tree's sources were read.""",
)
def undefined(lg: LintGraph) -> Iterator[Finding]:
    if lg.inputs.definitions is None:
        return
    for symbol in _used_symbols(lg):
        if lg.is_defined(symbol) or lg.prototypes_of(symbol):
            continue
        where, uses, _ = _first_use(lg, symbol)
        yield undefined.finding(
            where,
            f"{symbol} is neither defined in the sources nor declared in a header"
            + (f" (used by {uses} lines)" if uses > 1 else ""),
        )


def _generic_users(lg: LintGraph, symbol: str) -> frozenset[str]:
    """Architectures that take `symbol` from scripts/syscall.tbl under an ABI shared by two or more.

    Those are the generic syscalls Documentation/process/adding-syscalls.rst wants declared
    in include/linux/syscalls.h. Arch-private entry points (sys_osf_*, sys_ppc_*, ...) are
    declared, if at all, by their architecture and are not checked.
    """
    arches: set[str] = set()
    for path, entry, _roles in lg.callers(symbol):
        if path == GENERIC_TABLE:
            users = lg.abi_arches(path, entry.abi)
            if len(users) >= 2:
                arches.update(users)
    return frozenset(arches)


def _missing_prototype(lg: LintGraph, symbol: str, generic_header: str) -> tuple[Severity, str] | None:
    """Whether the generic header should declare `symbol` and does not, and how bad that is."""
    inputs = lg.inputs
    if generic_header not in inputs.headers_read or lg.prototypes_of(symbol):
        return None
    arches = _generic_users(lg, symbol)
    newer = inputs.reference_names if generic_header == SYSCALLS_H else None
    # The tables' own version of syscalls.h declaring it (x86's sys_uprobe) says where it belongs too.
    if not arches and not (newer is not None and symbol in newer):
        return None
    gap = _version_gap(lg)
    if gap and newer is not None and symbol in newer:
        return "note", f"not declared in {generic_header}: {gap}, whose {generic_header} declares it (version gap)"
    if gap and newer is None:
        return "note", f"not declared in {generic_header}: {gap}; it may have been declared since (version gap)"
    if lg.is_defined(symbol):
        return "note", f"defined in the sources, but not declared in {generic_header}"
    if not arches:
        return "warning", f"not declared in {generic_header}, although the tables' own version declares it there"
    return "warning", (
        f"not declared in {generic_header}, although {len(arches)} architectures take it from {GENERIC_TABLE}"
    )


@rule(
    "PRO001",
    "warning",
    "entry point with no prototype",
    """Documentation/process/adding-syscalls.rst: a new generic syscall's `sys_` function gets
    a prototype in include/linux/syscalls.h, so that callers and architectures without
    syscall wrappers agree on its arguments. Checked for the entry points that
    scripts/syscall.tbl gives to two or more architectures; a gap explained by headers
    older than the tables (a note names the versions) or an entry point the sources define
    anyway is a note.""",
)
def no_prototype(lg: LintGraph) -> Iterator[Finding]:
    if lg.inputs.prototypes is None:
        return
    for symbol in _used_symbols(lg):
        if symbol.startswith("compat_"):
            continue
        verdict = _missing_prototype(lg, symbol, SYSCALLS_H)
        if verdict is not None:
            severity, why = verdict
            where, _, _ = _first_use(lg, symbol)
            yield no_prototype.finding(where, f"{symbol}: {why}", severity)


@rule(
    "PRO002",
    "warning",
    "compat entry point with no compat prototype",
    """A generic `compat_sys_` entry point is declared in include/linux/compat.h like its
    native twin in syscalls.h; 32-bit tasks on a 64-bit kernel call it with the compat
    argument layout, which the prototype records. Same scope and notes as PRO001.""",
)
def no_compat_prototype(lg: LintGraph) -> Iterator[Finding]:
    if lg.inputs.prototypes is None:
        return
    for symbol in _used_symbols(lg):
        if not symbol.startswith("compat_"):
            continue
        verdict = _missing_prototype(lg, symbol, COMPAT_H)
        if verdict is not None:
            severity, why = verdict
            where, _, _ = _first_use(lg, symbol)
            yield no_compat_prototype.finding(where, f"{symbol}: {why}", severity)


_ENTRY_SYMBOL = re.compile(r"(?:compat_)?sys_\w+")


@rule(
    "PRO003",
    "note",
    "prototype that no table uses",
    """A `sys_`/`compat_sys_` prototype in include/linux/syscalls.h or compat.h that no table
    line names: a syscall removed from every table whose declaration stayed, or one only
    some configurations wire up by hand. Information for whoever cleans the header up.""",
)
def unused_prototype(lg: LintGraph) -> Iterator[Finding]:
    if lg.inputs.prototypes is None:
        return
    for header in lg.inputs.prototypes:
        if lg.inputs.header_kernel_paths.get(header.path) not in (SYSCALLS_H, COMPAT_H):
            continue
        seen: set[str] = set()
        for proto in header.prototypes:
            if proto.name in seen or not _ENTRY_SYMBOL.fullmatch(proto.name) or proto.name == NI_SYSCALL:
                continue
            seen.add(proto.name)
            if not any(True for _ in lg.callers(proto.name)):
                yield unused_prototype.finding(proto.location, f"no table uses {proto.name}")


def _squash(name: str) -> str:
    return name.replace("_", "")


@rule(
    "ENT002",
    "warning",
    "entry point that belongs to another syscall",
    """A line whose entry point is `sys_<other>` while `<other>` is another syscall of the same
    table using that very function is usually a copied line whose entry point was not
    renamed. Deliberate aliases keep a related name (`chown32` -> sys_chown,
    `clock_gettime64` -> sys_clock_gettime, `_newselect` -> sys_select) and are not
    reported.""",
)
def foreign_entry_point(lg: LintGraph) -> Iterator[Finding]:
    for path, _table in lg.tables():
        owners: dict[str, set[str]] = {}
        entries = list(lg.entries(path))
        for entry in entries:
            if entry.entry_point == f"sys_{entry.name}":
                owners.setdefault(entry.entry_point, set()).add(entry.name)
        for entry in entries:
            point = entry.entry_point or ""
            names = owners.get(point, set()) - {entry.name}
            for other in sorted(names):
                if _squash(other) in _squash(entry.name) or _squash(entry.name) in _squash(other):
                    continue
                yield foreign_entry_point.finding(
                    Location(entry.location.file, entry.location.line, entry.columns[3]),
                    f"{entry.name!r} calls {point}, the entry point of {other!r} in this table",
                )
                break


@rule(
    "NRT001",
    "error",
    "noreturn on an entry that returns",
    """`noreturn` makes syscalltbl.sh emit __SYSCALL_NORETURN, and x86's dispatcher then
    treats the call as never coming back. A line without an entry point (or with
    sys_ni_syscall, which returns -ENOSYS) does return, into code the compiler assumed
    unreachable.""",
)
def noreturn_returns(lg: LintGraph) -> Iterator[Finding]:
    for path, _table in lg.tables():
        for entry in lg.entries(path):
            if entry.noreturn and (entry.entry_point in NO_ENTRY or entry.entry_point in (None, NI_SYSCALL)):
                yield noreturn_returns.finding(
                    Location(entry.location.file, entry.location.line, entry.columns[-1]),
                    f"{entry.name!r} is marked noreturn but its entry point "
                    f"{entry.entry_point or '(none)'} returns",
                )


@rule(
    "NRT002",
    "warning",
    "noreturn marks disagree within an architecture",
    """An architecture that marks noreturn syscalls (x86 does, in both its tables) must mark
    the same syscalls in every table: `exit` marked in syscall_64.tbl but not in
    syscall_32.tbl means the two dispatchers disagree about whether the call comes back.""",
)
def noreturn_mismatch(lg: LintGraph) -> Iterator[Finding]:
    for arch in sorted({sel.arch for _, sel in lg.outputs()}):
        paths = [p for p in lg.inputs.tables if arch in lg.table_arches(p)]
        marking = [p for p in paths if any(e.noreturn for e in lg.entries(p))]
        if not marking:
            continue
        marked = {e.name for p in marking for e in lg.entries(p) if e.noreturn}
        for path in marking:
            for entry in lg.entries(path):
                if entry.name in marked and not entry.noreturn and entry.entry_point not in NO_ENTRY:
                    yield noreturn_mismatch.finding(
                        entry.location, f"{entry.name!r} is marked noreturn in another {arch} table but not here"
                    )


@rule(
    "CND001",
    "warning",
    "compat entry point of an optional syscall without COND_SYSCALL_COMPAT",
    """kernel/sys_ni.c gives every optional syscall a weak stub: COND_SYSCALL(x) for sys_x,
    COND_SYSCALL_COMPAT(x) for compat_sys_x. When sys_x is optional its compat twin usually
    lives in the same conditionally built file; without a COND_SYSCALL_COMPAT stub a
    configuration without the feature fails to link the compat table. Not reported when the
    tree's sources were read and define the symbol.""",
)
def missing_cond(lg: LintGraph) -> Iterator[Finding]:
    cond = lg.inputs.cond_syscalls
    if cond is None:
        return
    for symbol in _used_symbols(lg):
        if not symbol.startswith("compat_sys_"):
            continue
        native = symbol.removeprefix("compat_")
        # symbol -> stubbed_by -> cond edges of the graph, for both halves.
        if lg.has_cond(native) and not lg.has_cond(symbol) and not lg.is_defined(symbol):
            name = native.removeprefix("sys_")
            where, _, _ = _first_use(lg, symbol)
            yield missing_cond.finding(
                where,
                f"COND_SYSCALL({name}) makes {native} optional ({lg.inputs.cond_source}), but there is no "
                f"COND_SYSCALL_COMPAT({name}) for {symbol}",
            )
