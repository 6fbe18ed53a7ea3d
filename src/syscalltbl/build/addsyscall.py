"""Add or remove a system call in a project tree, as a kernel patch would.

    plan = plan_add(resolve(project_dir), Request("my_func", "int a, int b"))    # nothing written yet
    plan.apply(); print(plan.diff())

A plan holds every file's old and new text, so a refusal (SyscalltblError)
always happens before anything is written, and the diff printed is exactly
what was written. `apply` writes every file of the plan in one transaction
(syscalltbl.store.transaction): all of them or, on an I/O error, none.
add-syscall records what it added in arch/added-syscalls.toml
(syscalltbl.build.syscall_record), and remove-syscall
(syscalltbl.build.removesyscall) removes only that.
Numbers, ABIs, column layouts and each architecture's offset are read from
the tables themselves, never from a list kept here.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from syscalltbl.build import syscall_record
from syscalltbl.build.syscall_record import RECORD, Added
from syscalltbl.store import transaction
from syscalltbl.tables import project as project_mod
from syscalltbl.tables import shipped
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.model import Entry, Location, Table
from syscalltbl.tables.target import PROTOTYPES, SYSCALLS_DIR, TABLE, X86_64Target

X86_64 = (Path("arch") / TABLE).as_posix()  # the x86-64 table as tables.toml names it
GENERIC = "scripts/syscall.tbl"
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
#: A documented range: "These syscalls have numbers 512-547."
_RANGE = re.compile(r"numbers\s+(\d+)-(\d+)")
#: A documented hole: "# 435 reserved for clone3".
_RESERVED = re.compile(r"#\s*(\d+)\s+reserved\b")
_GUARD_END = "#endif /* _SYSCALLTBL_SYSCALLS_64_H */"
MARK = "(syscalltbl add-syscall)"
TAB = 8


@dataclass(frozen=True, slots=True)
class Change:
    path: Path
    old: str | None  # None: the file is new
    new: str | None  # None: the file is removed


@dataclass(frozen=True, slots=True)
class Plan:
    base: Path
    changes: tuple[Change, ...]
    summary: str
    #: What the user should know beyond the diff (a file kept, and why).
    notes: tuple[str, ...] = ()

    def diff(self) -> str:
        parts: list[str] = []
        for change in self.changes:
            shown = change.path.relative_to(self.base).as_posix()
            old = "/dev/null" if change.old is None else f"a/{shown}"
            new = "/dev/null" if change.new is None else f"b/{shown}"
            parts.extend(
                difflib.unified_diff(
                    (change.old or "").splitlines(keepends=True), (change.new or "").splitlines(keepends=True), old, new
                )
            )
        return "".join(parts)

    def apply(self) -> None:
        """Write every change, or none: an OSError names the file that could not be written.

        A file that no longer holds what the plan was made from (edited meanwhile) stops it, unwritten.
        """
        expected = {c.path: None if c.old is None else c.old.encode() for c in self.changes}
        try:
            transaction.commit(((c.path, None if c.new is None else c.new.encode()) for c in self.changes), expected)
        except transaction.ChangedMeanwhile as changed:
            raise SyscalltblError("changed while this command ran: nothing was written; run it again",
                                  path=str(changed.path)) from None


# ------------------------------------------------------------------ the project


def project_files(target: X86_64Target) -> tuple[Path, Path, Path]:
    """(project directory, its prototype header, its syscalls/ directory): what an edit may touch.

    Unlike `build`, there is no fallback to the shipped tables: they are
    package data, and an edit there would change every user's syscalltbl.
    """
    if target.project is None or target.syscalls_dir is None:
        raise SyscalltblError(
            "no project here: run `syscalltbl init DIR` or pass -C DIR (syscalltbl's own tables are never edited)",
            path=str(Path.cwd()),
        )
    return target.project, target.project / "arch" / PROTOTYPES, target.syscalls_dir


_README = (
    "System-call implementations of this project, one module per call, written by\n"
    "`syscalltbl add-syscall`. `syscalltbl run` inside this project binds each\n"
    "@implements(\"sys_NAME\") function to the table entry with that entry point.\n"
)


def plan_init(target: Path) -> Plan:
    """A new project: the shipped arch/, an empty record of added syscalls and syscalls/README."""
    if (target / "arch").exists() or (target / SYSCALLS_DIR).exists():
        raise SyscalltblError("already holds arch/ or syscalls/: not overwriting", path=str(target))
    source = shipped.arch()
    changes = [
        Change(target / "arch" / file.relative_to(source), None, read_text(file))
        for file in sorted(source.rglob("*"))
        if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".py"
    ]
    changes.append(Change(target / RECORD, None, syscall_record.render({})))
    changes.append(Change(target / SYSCALLS_DIR / "README", None, _README))
    return Plan(target, tuple(changes), f"created {target / 'arch'}, {target / SYSCALLS_DIR}")


def init_project(target: Path) -> list[Path]:
    """Make a new project (all of it, or nothing on an I/O error); returns what was created."""
    plan_init(target).apply()
    return [target / "arch", target / SYSCALLS_DIR]


# ------------------------------------------------------------------ reading tables


def read_text(path: Path) -> str:
    try:
        # newline="": the text as it is, so that the bytes written back differ only where the plan says.
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except OSError as exc:
        raise SyscalltblError(f"cannot read: {exc.strerror}", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raw = path.read_bytes()
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SyscalltblError(f"expected UTF-8 text, found byte {raw[exc.start]:#04x}",
                              Location(str(path), line, column)) from None


def read_tables(base: Path) -> tuple[project_mod.Project, dict[str, str], dict[str, Table]]:
    """The project's tables.toml, and each table's text and parse, by kernel path."""
    from syscalltbl.tables.tblparse import parse_text

    proj = project_mod.load(base / "arch")
    texts = {kp: read_text(file) for kp, file in proj.tables.items()}
    return proj, texts, {kp: parse_text(text, str(proj.tables[kp])) for kp, text in texts.items()}


def _reserved(table: Table) -> tuple[set[int], list[tuple[int, int]]]:
    single = {int(m.group(1)) for c in table.comments if (m := _RESERVED.match(c.text))}
    ranges = [(int(m.group(1)), int(m.group(2))) for c in table.comments for m in _RANGE.finditer(c.text)]
    return single, ranges


def _x32_rule(table: Table) -> str:
    """The table's own words on x32-only numbers, for refusing `--abi x32`."""
    by_line = {c.location.line: c.text for c in table.comments}
    start = next((c.location.line for c in table.comments if _RANGE.search(c.text)), None)
    if start is None:
        return "x32-only numbers are closed to new system calls"
    # The whole comment paragraph holding the documented range.
    first, last = start, start
    while by_line.get(first - 1, "#").strip("# "):
        first -= 1
    while by_line.get(last + 1, "#").strip("# "):
        last += 1
    return " ".join(by_line[n].lstrip("#").strip() for n in range(first, last + 1))


def _free(table: Table, number: int) -> bool:
    single, ranges = _reserved(table)
    used = {e.number for e in table.entries} | single
    return number not in used and not any(lo <= number <= hi for lo, hi in ranges)


def _next_number(table: Table) -> int:
    """One past the highest number below the first documented range, skipping reserved ones."""
    _single, ranges = _reserved(table)
    ceiling = min((lo for lo, _hi in ranges), default=None)
    below = [e.number for e in table.entries if ceiling is None or e.number < ceiling]
    number = max(below, default=-1) + 1
    while not _free(table, number):
        number += 1
    return number


def _anchor(generic: Table, table: Table) -> tuple[Entry, Entry]:
    """The newest generic syscall this table also has: (generic entry, this table's entry).

    Its two numbers give the table's offset (alpha +110, every other one 0 in
    Linux 6.18) and its line the table's ABI and layout.
    """
    mine = {e.name: e for e in table.entries}
    for entry in sorted(generic.entries, key=lambda e: -e.number):
        if entry.name in mine and entry.abi == "common":
            return entry, mine[entry.name]
    raise SyscalltblError("shares no syscall with scripts/syscall.tbl: cannot derive its offset", path=table.path)


# ------------------------------------------------------------------ writing lines


def _pad(column: int, target: int) -> str:
    """Tabs from 0-based `column` to `target` (at least one), as the tables align."""
    out = ""
    while True:
        column = (column // TAB + 1) * TAB
        out += "\t"
        if column >= target:
            return out


def _layout(table: Table) -> list[int]:
    """The usual 0-based start column of each field after the ABI, from the table's last 40 entries."""
    recent = table.entries[-40:]
    columns: list[int] = []
    for index in range(2, 5):
        seen = Counter(
            len(e.text[: e.columns[index] - 1].expandtabs(TAB))
            for e in recent
            if len(e.columns) > index and "\t" in e.text
        )
        columns.append(seen.most_common(1)[0][0] if seen else 0)
    return columns


def _line(table: Table, template: Entry, number: int, abi: str, fields: list[str]) -> str:
    """A table line in `table`'s own layout: the number-ABI separator of `template`, tabs after."""
    text = template.text
    separator = text[len(str(template.number)) : template.columns[1] - 1]
    line = f"{number}{separator}{abi}"
    column = len(str(number)) + len(separator.expandtabs(TAB)) + len(abi)
    for field, target in zip(fields, _layout(table), strict=False):
        line += _pad(column, target) + field
        column = len(line.expandtabs(TAB))
    return line


def _insert(text: str, table: Table, number: int, line: str) -> str:
    """`line` after the entry with the highest number below `number` (after the header if none)."""
    lines = text.split("\n")
    before = [e for e in table.entries if e.number < number]
    at = max(before, key=lambda e: e.number).location.line if before else 0
    lines.insert(at, line)
    return "\n".join(lines)


# ------------------------------------------------------------------ the plans


@dataclass(frozen=True, slots=True)
class Request:
    name: str
    params: str
    compat: bool = False
    abi: str = "common"
    all_arches: bool = False


def _prototype(name: str, params: str) -> tuple[str, list[tuple[str, str]]]:
    """The declaration line and (type, name) of each parameter; refuses what does not parse."""
    from syscalltbl.build.params_error import prefix, refusal
    from syscalltbl.tables.prototypes import parse_prototypes

    declaration = f"{prefix(name)}{params.strip() or 'void'});"
    parsed = parse_prototypes("--params", declaration)
    if parsed.problems or len(parsed.prototypes) != 1:
        raise refusal(name, params)
    params_out = [(p.type, p.name) for p in parsed.prototypes[0].params if p.type != "void"]
    for index, (ctype, pname) in enumerate(params_out):
        if not pname or ctype == "...":
            raise SyscalltblError(f"--params {params!r}: parameter {index + 1} needs a name (and no `...`)")
    if len(params_out) > 6:
        raise SyscalltblError(f"--params {params!r}: a system call takes at most 6 arguments")
    return declaration, params_out


def _impl(name: str, declaration: str, params: list[tuple[str, str]]) -> str:
    names = [p for _t, p in params]
    signature = "".join(f", {p}: int" for p in names)
    convert = ""
    if names:
        comma = "," if len(names) == 1 else ""
        joined = ", ".join(names)
        ctypes = ", ".join(f'"{t}"' for t, _p in params)
        convert = f"    {joined}{comma} = c_args(({joined}{comma}), ({ctypes}{comma}))\n"
    return (
        f'"""sys_{name}: the Python body of the `{name}` system call.\n\n'
        f"    {declaration.removeprefix('asmlinkage ').rstrip(';')}\n\n"
        "Written by `syscalltbl add-syscall`. The machine binds this function, once\n"
        f"at start-up, to every table entry whose entry point is sys_{name}. Arguments\n"
        "arrive as the 64-bit registers; c_args() gives them their C types' values.\n"
        "Return the result, or raise Errno(E...) for -E....\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        "from syscalltbl.machine.uapi.errno import ENOSYS, Errno\n"
        "from syscalltbl.machine.kernel.process import Task\n"
        "from syscalltbl.machine.project import c_args, implements\n\n\n"
        f'@implements("sys_{name}")\n'
        f"def sys_{name}(t: Task{signature}, *_: int) -> int:\n"
        f"{convert}"
        "    raise Errno(ENOSYS)  # until its body is written\n"
    )


def _check_name(name: str, tables: dict[str, Table], header: str, impl: Path) -> None:
    if not _NAME.match(name):
        raise SyscalltblError(f"{name!r} is not a syscall name: lower-case letters, digits and _")
    for _kernel_path, table in sorted(tables.items()):
        for entry in table.entries:
            if entry.name == name or entry.entry_point == f"sys_{name}":
                raise SyscalltblError(f"{name} exists already: {entry.location} `{entry.text.strip()}`")
    if re.search(rf"\bsys_{name}\s*\(", header):
        raise SyscalltblError(f"sys_{name} is declared already in the prototype header")
    if impl.exists():
        raise SyscalltblError(f"{impl} exists already")


def plan_add(target: X86_64Target, request: Request) -> Plan:
    base, header_file, impl_dir = project_files(target)
    proj, texts, tables = read_tables(base)
    x86 = tables[X86_64]
    if request.abi == "x32":
        rule = _x32_rule(x86)
        raise SyscalltblError(f"--abi x32 is refused: the table says: {rule!r}", path=str(proj.tables[X86_64]))
    if request.abi not in ("common", "64"):
        raise SyscalltblError(f"--abi {request.abi!r}: the x86-64 table takes common or 64")
    header = read_text(header_file)
    impl = impl_dir / f"{request.name}.py"
    _check_name(request.name, tables if request.all_arches else {X86_64: x86}, header, impl)
    declaration, params = _prototype(request.name, request.params)
    edits: dict[str, str] = {}
    lines: dict[str, str] = {}
    numbers: dict[str, int] = {}
    if request.all_arches:
        generic = tables[GENERIC]
        offsets = {kp: (lambda pair: pair[1].number - pair[0].number)(_anchor(generic, t)) for kp, t in tables.items()}
        # One number for every table, as adding-syscalls.rst asks: the
        # first one free (and not reserved) everywhere once offsets are added.
        unified = _next_number(generic)
        while not all(_free(t, unified + offsets[kp]) for kp, t in tables.items()):
            unified += 1
        for kp, table in tables.items():
            _generic_entry, template = _anchor(generic, table)
            abi = request.abi if kp == X86_64 else template.abi
            numbers[kp] = unified + offsets[kp]
            lines[kp] = _line(table, template, numbers[kp], abi, [request.name, *_fields(kp, table, request)])
            edits[kp] = _insert(texts[kp], table, numbers[kp], lines[kp])
    else:
        template = max((e for e in x86.entries if e.abi == "common"), key=lambda e: e.number)
        numbers[X86_64] = _next_number(x86)
        fields = [request.name, *_fields(X86_64, x86, request)]
        lines[X86_64] = _line(x86, template, numbers[X86_64], request.abi, fields)
        edits[X86_64] = _insert(texts[X86_64], x86, numbers[X86_64], lines[X86_64])
    added = f"/* {SYSCALLS_DIR}/{request.name}.py {MARK} */\n{declaration}\n"
    if _GUARD_END in header:
        new_header = header.replace(_GUARD_END, added + "\n" + _GUARD_END)
    else:
        new_header = header + ("" if header.endswith("\n") else "\n") + added
    _lint(base, proj, edits, {header_file: new_header})
    changes = [Change(proj.tables[kp], texts[kp], text) for kp, text in sorted(edits.items())]
    changes.append(Change(header_file, header, new_header))
    implementation = _impl(request.name, declaration, params)
    changes.append(Change(impl, None, implementation))
    added_lines = {relative(base, proj.tables[kp]): lines[kp] for kp in edits}
    changes.append(record_change(base, request.name, Added(
        request.name, added_lines, declaration, relative(base, impl), syscall_record.sha256(implementation))))
    where = ", ".join(f"{kp}: {n}" for kp, n in sorted(numbers.items()))
    return Plan(base, tuple(changes), f"added {request.name} ({where})")


def relative(base: Path, path: Path) -> str:
    return path.relative_to(base).as_posix()


def record_change(base: Path, name: str, added: Added | None) -> Change:
    """The record with `name` set to `added` (None: dropped); a project without one gets one."""
    path = base / RECORD
    old = read_text(path) if path.is_file() else None
    record = syscall_record.read(base) or {}
    if added is None:
        record.pop(name, None)
    else:
        record[name] = added
    return Change(path, old, syscall_record.render(record))


def _fields(kernel_path: str, table: Table, request: Request) -> list[str]:
    """Entry point and compat columns for `table`, by its own convention for compat entries."""
    native, compat = f"sys_{request.name}", f"compat_sys_{request.name}"
    if "s390" in kernel_path:
        return [native, compat if request.compat else native]  # s390 always names both halves
    if kernel_path.endswith("_n32.tbl"):
        return [compat if request.compat else native]  # n32's compat calls take the entry column
    has_compat_column = any((e.compat_entry_point or "").startswith("compat_sys_") for e in table.entries)
    return [native, compat] if request.compat and has_compat_column else [native]


def _lint(base: Path, proj: project_mod.Project, edits: dict[str, str], headers: dict[Path, str]) -> None:
    """Refuse when the lint would report an error on the edited tables (read in memory, not written)."""
    from syscalltbl.lint import run_lint
    from syscalltbl.lint.exceptions import FILE_NAME, apply_exceptions, load_exceptions
    from syscalltbl.lint.project_inputs import display_path, load_project_inputs
    from syscalltbl.lint.read import read_table
    from syscalltbl.lint.rules import RULES
    from syscalltbl.tables.prototypes import parse_prototypes

    inputs = load_project_inputs(proj)
    tables, sources = dict(inputs.tables), dict(inputs.sources)
    for kp, text in edits.items():
        tables[kp], sources[kp] = read_table(text.encode(), display_path(proj.tables[kp]))
    prototypes = inputs.prototypes
    if prototypes is not None:
        shown = {display_path(f): t for f, t in headers.items()}
        prototypes = tuple(
            replace(parse_prototypes(p.path, shown[p.path]), path=p.path) if p.path in shown else p for p in prototypes
        )
    findings = run_lint(replace(inputs, tables=tables, sources=sources, prototypes=prototypes))
    exceptions_file = base / "arch" / FILE_NAME
    if exceptions_file.is_file():
        findings = list(apply_exceptions(findings, load_exceptions(exceptions_file, list(RULES))).kept)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        raise SyscalltblError(f"the lint would fail ({len(errors)} errors), first: {first.location}: "
                              f"{first.message} [{first.rule}]")
