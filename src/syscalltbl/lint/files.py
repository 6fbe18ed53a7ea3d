"""LintInputs for tables named on the command line (`syscalltbl lint FILE... [--abis ABIS]`).

A file that belongs to a larger context is linted in it, so that the
cross-table rules see what they need and the ABI lists are the real ones:
inside a kernel tree, the tree's Makefiles; inside a syscalltbl project, its
tables.toml. Findings are then kept for the named files only. A file outside
both, or any file when --abis is given, is linted on its own with one
synthetic output per `--abis` (or none).
"""

from __future__ import annotations

from pathlib import Path

from syscalltbl.lint.inputs import LintInputs, OutputSelection, TableSource
from syscalltbl.lint.project_inputs import display_path
from syscalltbl.lint.read import read_table
from syscalltbl.tables.abibases import abi_data_file, load_abi_data
from syscalltbl.tables.errors import UsageError
from syscalltbl.tables.limits import read_bounded
from syscalltbl.tables.model import Table
from syscalltbl.tables.project import arch_root_above


def kernel_tree_of(file: Path) -> Path | None:
    """The kernel tree a file lies in: the nearest directory with arch/ and scripts/syscall.tbl."""
    for directory in file.resolve().parents:
        if (directory / "scripts" / "syscall.tbl").is_file() and (directory / "arch").is_dir():
            return directory
    return None


def project_root_of(file: Path) -> Path | None:
    """The arch/ directory (holding tables.toml) a file lies in, if any."""
    real = file.resolve()
    root = arch_root_above(real.parent)
    return root if root is not None and real.is_relative_to(root) else None


def standalone_inputs(files: list[Path], selections: list[tuple[str, ...]] | None) -> LintInputs:
    """Each file as a table of its own, read by one synthetic output per ABI list in `selections`
    (`--abis common,64 --abis common,x32`: x86's two outputs of syscall_64.tbl), or by none."""
    tables: dict[str, Table] = {}
    sources: dict[str, TableSource] = {}
    outputs: list[OutputSelection] = []
    for file in files:
        try:
            data = read_bounded(file)
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror}") from None
        shown = display_path(file)
        tables[shown], sources[shown] = read_table(data, shown)
        parts = file.resolve().parts
        arch = parts[parts.index("arch") + 1] if "arch" in parts[:-1] else shown
        for abis in selections or ():
            generator = "syscalltbl"
            outputs.append(OutputSelection(arch, generator, shown, abis, f"<--abis {','.join(abis)}>"))
    return LintInputs(tables=tables, outputs=tuple(outputs), sources=sources, abi_data=load_abi_data(abi_data_file()))
