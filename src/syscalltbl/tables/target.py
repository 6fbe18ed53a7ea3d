"""The x86-64 target: which files the emulated machine and its generated sources are made from.

    target = resolve(project_dir)       # -C DIR, else the nearest project, else the shipped tables

One function decides, for every command that needs them (`build`'s runtime
group, `run`, `fuzz`, `add-syscall`, the tracer): the 64-bit table, the i386
table behind `int $0x80`, the prototype header, and the project directory
whose syscalls/ and devices/ hold the project's own implementations. Each
file a project lacks falls back to the shipped copy. Everything below this
module takes a target and never looks at the working directory.
"""

from pathlib import Path
from typing import NamedTuple

from syscalltbl.tables import shipped
from syscalltbl.tables.project import Project, find_root

#: Paths under a project's arch/ directory, as the kernel tree spells them.
TABLE = Path("x86") / "entry" / "syscalls" / "syscall_64.tbl"
TABLE_32 = Path("x86") / "entry" / "syscalls" / "syscall_32.tbl"
PROTOTYPES = Path("x86") / "include" / "syscalls_64.h"
#: The ABIs of TABLE the runtime's outputs are made from (exact names, not prefixes).
ABIS = ("common", "64")
#: A project's own system calls and character devices, beside its arch/.
SYSCALLS_DIR = "syscalls"
DEVICES_DIR = "devices"


class X86_64Target(NamedTuple):
    """A NamedTuple, not a dataclass: `syscalltbl build` resolves one at every start, and dataclasses costs
    ~10 ms to import. Its fields' annotations are types, not strings (no `from __future__ import
    annotations` in this module): a string costs the class a `compile()` each."""

    table: Path
    #: The i386 table: what `int $0x80` dispatches through.
    table_32: Path
    prototypes: Path
    #: The project holding arch/, syscalls/ and devices/; None for syscalltbl's own tables.
    project: Path | None = None

    @property
    def syscalls_dir(self) -> Path | None:
        return None if self.project is None else self.project / SYSCALLS_DIR

    @property
    def devices_dir(self) -> Path | None:
        return None if self.project is None else self.project / DEVICES_DIR


def _is_shipped(arch_root: Path) -> bool:
    return arch_root.resolve() == shipped.arch().resolve()


def from_arch(arch_root: Path) -> X86_64Target:
    """The target of one arch/ directory (a project's, or the shipped one).

    A project without an x86-64 table of its own is no x86-64 project: its
    syscalls/ and devices/ are not bound to the shipped table.
    """
    if _is_shipped(arch_root):
        arch_root = shipped.arch()  # one spelling, so banners and cache keys do not depend on the path taken

    def pick(relative: Path) -> Path:
        own = arch_root / relative
        return own if own.is_file() else shipped.arch() / relative

    own_table = (arch_root / TABLE).is_file()
    project = arch_root.parent if own_table and arch_root != shipped.arch() else None
    return X86_64Target(pick(TABLE), pick(TABLE_32), pick(PROTOTYPES), project)


def for_project(project: Project) -> X86_64Target:
    """The target of a project, or of a kernel tree read by syscalltbl.tables.tree.

    A tree's x86 tables with the shipped prototypes: its own are in
    include/linux/syscalls.h, which the runtime does not read, and a tree holds no
    syscalls/ or devices/ of a syscalltbl project.
    """
    if project.tree is None:
        return from_arch(project.root)

    def pick(relative: Path) -> Path:
        own = project.root / relative
        return own if own.is_file() else shipped.arch() / relative

    return X86_64Target(pick(TABLE), pick(TABLE_32), shipped.arch() / PROTOTYPES)


def default() -> X86_64Target:
    """syscalltbl's own tables, with no project."""
    return from_arch(shipped.arch())


def resolve(project_dir: Path | None = None) -> X86_64Target:
    """`-C DIR`, else the nearest arch/tables.toml above the working directory, else the shipped tables."""
    return from_arch(find_root(project_dir))


def for_table(table: str | Path) -> X86_64Target:
    """A target around one 64-bit table file.

    Inside a project's arch/ tree (arch/x86/entry/syscalls/syscall_64.tbl with
    arch/tables.toml) it is that project's target; otherwise the i386 table is
    the one beside it or the shipped one, and the prototypes are the shipped ones.
    """
    path = Path(table)
    real = path.resolve()
    arch_root = real.parents[len(TABLE.parts) - 1] if len(real.parts) > len(TABLE.parts) else None
    if arch_root is not None and arch_root / TABLE == real and (arch_root / "tables.toml").is_file():
        return from_arch(arch_root)
    beside = path.parent / TABLE_32.name
    return X86_64Target(path, beside if beside.is_file() else shipped.arch() / TABLE_32, shipped.arch() / PROTOTYPES)

