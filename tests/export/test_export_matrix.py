"""The cross-architecture matrix and its JSON and CSV exports, checked against the tables themselves."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import matrix, shipped_project, table_entry  # noqa: F401  (fixtures, used by name)

from support import Cli
from syscalltbl.export.matrix import Matrix, load_bases
from syscalltbl.generators import scripts
from syscalltbl.tables.project import Project

#: Every architecture/ABI the kernel build generates headers for (Linux 6.18.2), an independent list.
EXPECTED_COLUMNS = {
    "alpha", "arc", "arm/oabi", "arm/eabi", "arm64/64", "arm64/32", "csky", "hexagon", "loongarch",
    "m68k", "microblaze", "mips/n32", "mips/n64", "mips/o32", "nios2", "openrisc", "parisc/32",
    "parisc/64", "powerpc/32", "powerpc/64", "powerpc/spu", "riscv/32", "riscv/64", "s390/32",
    "s390/64", "sh", "sparc/32", "sparc/64", "x86/i386", "x86/x32", "x86/64", "xtensa",
}  # fmt: skip


def _export(cli: Cli, *args: str) -> str:
    proc = cli.run("export", *args)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def exported_json(cli: Cli) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_export(cli, "--format", "json"))
    return document


@pytest.fixture(scope="module")
def exported_csv(cli: Cli) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_export(cli, "--format", "csv"))))


def test_columns_are_every_architecture_and_abi(matrix: Matrix) -> None:  # noqa: F811
    assert {s.column for s in matrix.selections} == EXPECTED_COLUMNS
    assert len(matrix.selections) == len(EXPECTED_COLUMNS)


def test_selections_come_from_tables_toml(shipped_project: Project, matrix: Matrix) -> None:  # noqa: F811
    """Each selection is the ABI list of an output of its architecture (no list kept in the matrix)."""
    by_arch: dict[str, set[tuple[str, tuple[str, ...] | None]]] = {}
    for output in shipped_project.outputs:
        argv = [a.replace("{input}", output.input).replace("{output}", output.path) for a in output.argv]
        job = scripts.parse_argv(output.generator, argv)
        by_arch.setdefault(output.arch, set()).add((output.input, job.abis))
    for selection in matrix.selections:
        assert (selection.table, selection.abis) in by_arch[selection.arch], selection
        assert selection.outputs, selection
    x86 = {s.name: (s.table, s.abis) for s in matrix.selections if s.arch == "x86"}
    assert x86 == {
        "i386": ("arch/x86/entry/syscalls/syscall_32.tbl", ("i386",)),
        "64": ("arch/x86/entry/syscalls/syscall_64.tbl", ("common", "64")),
        "x32": ("arch/x86/entry/syscalls/syscall_64.tbl", ("common", "x32")),
    }
    arm64 = {s.name: s for s in matrix.selections if s.arch == "arm64"}
    assert arm64["64"].table == "arch/arm64/tools/syscall_64.tbl"
    assert arm64["64"].source == "scripts/syscall.tbl"  # through tables.toml's alias
    assert arm64["64"].abis == ("common", "64", "renameat", "rlimit", "memfd_secret")


def test_every_abi_base_matches_one_selection(shipped_project: Project, matrix: Matrix) -> None:  # noqa: F811
    bases = load_bases(shipped_project.root)
    assert bases, "arch/abi-bases.toml lists no [[abi]]"
    for base in bases:
        matching = [s for s in matrix.selections if s.arch == base.arch and s.name == base.abi]
        assert len(matching) == 1, base
        assert matching[0].base == base.base


@pytest.mark.parametrize(
    ("column", "base", "macro"),
    [
        ("x86/x32", 0x40000000, "__X32_SYSCALL_BIT"),
        ("mips/o32", 4000, "__NR_O32_Linux"),
        ("mips/n64", 5000, "__NR_64_Linux"),
        ("mips/n32", 6000, "__NR_N32_Linux"),
        ("arm/oabi", 0x900000, "__NR_OABI_SYSCALL_BASE"),
        ("arm/eabi", 0, "__NR_SYSCALL_BASE"),
        ("x86/64", 0, ""),
        ("riscv/64", 0, ""),
    ],
)
def test_bases(matrix: Matrix, column: str, base: int, macro: str) -> None:  # noqa: F811
    (selection,) = [s for s in matrix.selections if s.column == column]
    assert (selection.base, selection.base_macro) == (base, macro)


def test_rows_are_every_selected_name(shipped_project: Project, matrix: Matrix) -> None:  # noqa: F811
    from syscalltbl.tables import abi

    names = set()
    for selection in matrix.selections:
        names |= {e.name for e in abi.select(matrix.tables[selection.source].entries, selection.abis)}
    assert list(matrix.rows) == sorted(names)


def test_json_shape(exported_json: dict[str, Any], matrix: Matrix) -> None:  # noqa: F811
    assert exported_json["format"] == "syscalltbl-matrix"
    assert exported_json["kernel"] == "6.18.2"
    assert [c["column"] for c in exported_json["columns"]] == [s.column for s in matrix.selections]
    names = [row["name"] for row in exported_json["syscalls"]]
    assert names == sorted(names) == list(matrix.rows)
    columns = {c["column"] for c in exported_json["columns"]}
    for row in exported_json["syscalls"]:
        assert row["cells"], row["name"]
        assert set(row["cells"]) <= columns
        for cell in row["cells"].values():
            assert set(cell) == {
                "number", "absolute", "abi", "entry_point", "compat_entry_point", "noreturn", "location"
            }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "column", "table", "abis"),
    [
        ("read", "x86/64", "arch/x86/entry/syscalls/syscall_64.tbl", ("common", "64")),
        ("read", "x86/i386", "arch/x86/entry/syscalls/syscall_32.tbl", ("i386",)),
        ("rt_sigaction", "x86/x32", "arch/x86/entry/syscalls/syscall_64.tbl", ("x32",)),
        ("rt_sigaction", "x86/64", "arch/x86/entry/syscalls/syscall_64.tbl", ("64",)),
        ("getpid", "arm64/64", "arch/arm64/tools/syscall_64.tbl", ("common",)),
        ("getpid", "mips/o32", "arch/mips/kernel/syscalls/syscall_o32.tbl", ("o32",)),
        ("exit", "s390/64", "arch/s390/kernel/syscalls/syscall.tbl", ("common",)),
        ("spu_run", "powerpc/64", "arch/powerpc/kernel/syscalls/syscall.tbl", ("nospu",)),
        ("clone3", "riscv/64", "scripts/syscall.tbl", ("common",)),
    ],
)
def test_json_cells_match_the_tables(
    exported_json: dict[str, Any],
    shipped_project: Project,  # noqa: F811
    matrix: Matrix,  # noqa: F811
    name: str,
    column: str,
    table: str,
    abis: tuple[str, ...],
) -> None:
    entry = table_entry(shipped_project, table, name, abis)
    (row,) = [r for r in exported_json["syscalls"] if r["name"] == name]
    cell = row["cells"][column]
    (selection,) = [s for s in matrix.selections if s.column == column]
    assert cell["number"] == entry.number
    assert cell["absolute"] == entry.number + selection.base
    assert cell["entry_point"] == entry.entry_point
    assert cell["compat_entry_point"] == entry.compat_entry_point
    assert cell["noreturn"] == entry.noreturn
    assert cell["location"] == f"{entry.location.file}:{entry.location.line}"


def test_json_independent_spot_values(exported_json: dict[str, Any]) -> None:
    """A few numbers typed in from the kernel's headers, as a check independent of the tables' parser."""
    rows = {r["name"]: r["cells"] for r in exported_json["syscalls"]}
    assert rows["getpid"]["x86/64"]["number"] == 39
    assert rows["getpid"]["x86/i386"]["number"] == 20
    assert rows["getpid"]["arm64/64"]["number"] == 172  # the generic table's
    assert rows["getpid"]["riscv/64"]["number"] == 172
    assert rows["getpid"]["x86/x32"]["absolute"] == 0x40000000 + 39
    assert rows["getpid"]["mips/o32"]["absolute"] == 4020
    assert rows["getpid"]["mips/n64"]["absolute"] == 5038
    assert rows["getpid"]["mips/n32"]["absolute"] == 6038
    assert rows["getpid"]["arm/oabi"]["absolute"] == 0x900000 + 20
    assert rows["getpid"]["arm/eabi"]["absolute"] == 20
    assert rows["read"]["x86/64"]["entry_point"] == "sys_read"
    assert rows["exit"]["x86/64"]["noreturn"] is True
    assert "alpha" not in rows["getpid"]  # alpha has getxpid instead
    assert rows["rt_sigaction"]["x86/64"]["number"] == 13
    assert rows["rt_sigaction"]["x86/x32"]["number"] == 512


def test_csv_shape_and_values(
    exported_csv: list[dict[str, str]],
    shipped_project: Project,  # noqa: F811
    matrix: Matrix,  # noqa: F811
) -> None:
    assert list(exported_csv[0]) == ["name", *(s.column for s in matrix.selections), "classes"]
    assert [r["name"] for r in exported_csv] == list(matrix.rows)
    rows = {r["name"]: r for r in exported_csv}
    read64 = table_entry(shipped_project, "arch/x86/entry/syscalls/syscall_64.tbl", "read", ("common", "64"))
    read32 = table_entry(shipped_project, "arch/x86/entry/syscalls/syscall_32.tbl", "read", ("i386",))
    assert rows["read"]["x86/64"] == str(read64.number) == "0"
    assert rows["read"]["x86/i386"] == str(read32.number) == "3"
    assert rows["getpid"]["x86/64"] == "39"
    assert rows["getpid"]["x86/i386"] == "20"
    assert rows["getpid"]["loongarch"] == "172"
    assert rows["getpid"]["alpha"] == ""
    # Every filled CSV cell is the matrix's table number.
    for name, entries in matrix.rows.items():
        for selection, entry in zip(matrix.selections, entries, strict=True):
            assert rows[name][selection.column] == ("" if entry is None else str(entry.number))


def test_exports_are_deterministic(cli: Cli, tmp_path: Path) -> None:
    for fmt in ("json", "csv", "html"):
        first = tmp_path / f"one.{fmt}"
        second = tmp_path / f"two.{fmt}"
        assert cli.run("export", "--format", fmt, "-o", first).returncode == 0
        assert cli.run("export", "--format", fmt, "-o", second).returncode == 0
        assert first.read_bytes() == second.read_bytes(), fmt
        assert first.stat().st_size > 10_000


def test_export_to_missing_directory_fails(cli: Cli, tmp_path: Path) -> None:
    proc = cli.run("export", "--format", "csv", "-o", tmp_path / "nope" / "m.csv")
    assert proc.returncode == 1
    assert b"output directory does not exist" in proc.stderr


@pytest.mark.parametrize("argv", [["--format", "xml"], ["--bogus"], ["-o"]])
def test_export_usage_errors(cli: Cli, argv: list[str]) -> None:
    assert cli.run("export", *argv).returncode == 2


def test_export_of_another_project(cli: Cli, tmp_path: Path, shipped_project: Project) -> None:  # noqa: F811
    """-C DIR: a project of one table and one output, without abi-bases.toml."""
    arch = tmp_path / "arch"
    arch.mkdir()
    (arch / "t.tbl").write_text("0\tcommon\tfoo\tsys_foo\n1\t64\tbar\tsys_bar\n2\t32\tbaz\tsys_baz\n")
    (arch / "tables.toml").write_text(
        '[[table]]\nkernel_path = "arch/toy/syscall.tbl"\nfile = "t.tbl"\n\n'
        '[[output]]\narch = "toy"\ngenerator = "syscallhdr"\ninput = "arch/toy/syscall.tbl"\n'
        'argv = ["--abis", "common,64", "{input}", "{output}"]\npath = "arch/toy/unistd_64.h"\n\n'
        '[[output]]\narch = "toy"\ngenerator = "syscallhdr"\ninput = "arch/toy/syscall.tbl"\n'
        'argv = ["--abis", "common,32", "{input}", "{output}"]\npath = "arch/toy/unistd_32.h"\n'
    )
    document = json.loads(_export(cli, "-C", str(tmp_path), "--format", "json"))
    assert [c["column"] for c in document["columns"]] == ["toy/64", "toy/32"]
    cells = {r["name"]: r["cells"] for r in document["syscalls"]}
    assert cells == {
        "bar": {"toy/64": cells["bar"]["toy/64"]},
        "baz": {"toy/32": cells["baz"]["toy/32"]},
        "foo": {"toy/64": cells["foo"]["toy/64"], "toy/32": cells["foo"]["toy/32"]},
    }
    assert cells["foo"]["toy/64"]["location"] == "arch/toy/syscall.tbl:1"
