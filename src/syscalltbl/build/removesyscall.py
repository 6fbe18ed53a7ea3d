"""Remove a system call add-syscall added, and nothing of the kernel's.

    plan = plan_remove(resolve(project_dir), "my_func")   # nothing written yet
    plan.apply(); print(plan.diff())

What to remove comes from the project's record (arch/added-syscalls.toml,
syscalltbl.build.syscall_record): the tables add-syscall added the name to,
its marked prototype, and syscalls/NAME.py unless edited since it was
generated. A kernel system call (one Linux's tables have) is always refused;
a name the record lacks, or every name in a project made before the record,
only with `force`.
"""

from __future__ import annotations

import re
from pathlib import Path

from syscalltbl.build import syscall_record
from syscalltbl.build.addsyscall import (
    MARK,
    X86_64,
    Change,
    Plan,
    project_files,
    read_tables,
    read_text,
    record_change,
    relative,
)
from syscalltbl.build.syscall_record import RECORD
from syscalltbl.tables import project as project_mod
from syscalltbl.tables import shipped
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.model import Entry, Table
from syscalltbl.tables.target import SYSCALLS_DIR, X86_64Target


def plan_remove(target: X86_64Target, name: str, force: bool = False) -> Plan:
    """Remove what add-syscall added for `name`, as arch/added-syscalls.toml records it.

    Refuses a kernel system call, and a name the record lacks (every name, in a
    project made before the record) unless `force`: then every table line named
    `name` goes. An implementation edited since add-syscall wrote it is kept
    (with a note) unless `force`.
    """
    base, header_file, impl_dir = project_files(target)
    proj, texts, tables = read_tables(base)
    record = syscall_record.read(base)
    added = None if record is None else record.get(name)
    # The tables add-syscall added `name` to; every table when the record cannot say.
    recorded = None if added is None else set(added.lines)
    edited = [kp for kp in sorted(tables) if recorded is None or relative(base, proj.tables[kp]) in recorded]
    changes: list[Change] = []
    for kp in edited:
        drop = {e.location.line for e in tables[kp].entries if e.name == name}
        if drop:
            kept = [line for number, line in enumerate(texts[kp].split("\n"), 1) if number not in drop]
            changes.append(Change(proj.tables[kp], texts[kp], "\n".join(kept)))
    if added is None:
        _refuse_unrecorded(base, name, tables, found=bool(changes), has_record=record is not None, force=force)
    header = read_text(header_file)
    marked = re.compile(rf"/\* {SYSCALLS_DIR}/{re.escape(name)}\.py {re.escape(MARK)} \*/\n[^\n]*\n\n?")
    new_header = marked.sub("", header, count=1)
    if new_header != header:
        changes.append(Change(header_file, header, new_header))
    # Always syscalls/NAME.py: a path read from the record is never trusted to point elsewhere.
    impl = impl_dir / f"{name}.py"
    notes: list[str] = []
    if impl.is_file():
        text = read_text(impl)
        if added is None or force or syscall_record.sha256(text) == added.implementation_sha256:
            changes.append(Change(impl, text, None))
        else:
            notes.append(f"kept {relative(base, impl)}: edited since add-syscall wrote it (--force removes it too)")
    if added is not None:
        changes.append(record_change(base, name, None))
    return Plan(base, tuple(changes), f"removed {name}", tuple(notes))


def _refuse_unrecorded(
    base: Path, name: str, tables: dict[str, Table], *, found: bool, has_record: bool, force: bool
) -> None:
    """Why a name the record lacks is not removed (nothing raised: --force removes it by name)."""
    if not found:
        raise SyscalltblError(f"{name} is in no table of this project", path=str(base / "arch"))
    kernel = _kernel_entry(name, tables)
    if kernel is not None:
        raise SyscalltblError(
            f"{name} is a kernel system call, not one add-syscall added: remove-syscall removes only those "
            "(edit the tables by hand to drop a kernel one)",
            kernel.location,
        )
    if force:
        return
    everything = f"every table line named {name}, its prototype and {SYSCALLS_DIR}/{name}.py"
    if has_record:
        raise SyscalltblError(
            f"{name} was not added by add-syscall: {RECORD.as_posix()} has no record of it; "
            f"--force removes {everything}",
            path=str(base / RECORD),
        )
    raise SyscalltblError(
        f"this project has no {RECORD.as_posix()} (it was made before syscalltbl recorded what add-syscall adds), "
        f"so {name}'s lines cannot be told from the kernel's; if add-syscall added {name}, "
        f"`syscalltbl remove-syscall --force {name}` removes {everything}",
        path=str(base),
    )


def _kernel_entry(name: str, tables: dict[str, Table]) -> Entry | None:
    """The project's first line for `name` if Linux's tables (the copy shipped with syscalltbl) have it."""
    from syscalltbl.tables.tblparse import parse_text

    linux = project_mod.load(shipped.arch()).tables.values()
    if not any(e.name == name for file in linux for e in parse_text(read_text(file), str(file)).entries):
        return None
    # The x86-64 table's line first: the one this project's machine runs.
    ordered = sorted(tables.items(), key=lambda item: (item[0] != X86_64, item[0]))
    return next((e for _kp, t in ordered for e in t.entries if e.name == name), None)
