"""`--tree [DIR]` on build, show and export, run on Debian's linux-source-6.12 tree through the installed CLI.

What the commands print is checked against the tree's own files, read here
with nothing from syscalltbl: its tables (split on whitespace), its top
Makefile's version, and what its own generator scripts write. The shipped
Linux 6.18.2 tables are the other side of every comparison, so the expected
differences are computed from the two sets of tables, never listed.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from debian_cache import linux_source_tree
from support import SHIPPED_ARCH, Cli
from test_differential import Outcome, compare, run_kernel

#: (kernel path of the real table, abi, name) -> (number, entry point, compat entry point, noreturn).
Entries = dict[tuple[str, str, str], tuple[int, str | None, str | None, bool]]


@pytest.fixture(scope="session")
def kernel_tree() -> Path:
    """Debian's linux-source-6.12, unpacked once into the test cache (about 1.5 GB, a minute the first time)."""
    return linux_source_tree()


def _version(tree: Path) -> str:
    head = (tree / "Makefile").read_text(encoding="utf-8", errors="replace")[:2000]
    fields = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL) = (\d+)$", head, re.M))
    return f"{fields['VERSION']}.{fields['PATCHLEVEL']}.{fields['SUBLEVEL']}"


def _shipped_meta() -> dict[str, Any]:
    return tomllib.loads((SHIPPED_ARCH / "tables.toml").read_text(encoding="utf-8"))


def _entries(files: dict[str, Path]) -> Entries:
    """Every line of each table, as the kernel's scripts split it (first line of a name and ABI wins)."""
    found: Entries = {}
    for kernel_path, file in files.items():
        for line in file.read_text(encoding="utf-8").splitlines():
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            entry = fields[3] if len(fields) > 3 else None
            compat = fields[4] if len(fields) > 4 else None
            noreturn = len(fields) > 5 and fields[5] == "noreturn"
            found.setdefault((kernel_path, fields[1], fields[2]), (int(fields[0]), entry, compat, noreturn))
    return found


def _shipped_entries() -> Entries:
    return _entries({t["kernel_path"]: SHIPPED_ARCH / t["file"] for t in _shipped_meta()["table"]})


def _tree_entries(tree: Path) -> Entries:
    return _entries({t["kernel_path"]: tree / t["kernel_path"] for t in _shipped_meta()["table"]})


def _ok(proc: Any) -> str:
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"Traceback" not in proc.stderr
    return str(proc.stdout.decode())


# ------------------------------------------------------------------ show


def _rows(text: str) -> dict[str, list[str]]:
    """ARCH/ABI -> the cells of its row in `show`'s table (single-word cells: NR, ABSOLUTE's first word, ...)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ARCH/ABI"))
    rows = {}
    for line in lines[start + 1 :]:
        if not line or line.startswith("not on:"):
            break
        cells = line.split()
        rows[cells[0]] = cells
    return rows


def _check_getpid(text: str, tree: Path) -> None:
    assert text.splitlines()[0] == f"getpid (Linux {_version(tree)})"
    entries = _tree_entries(tree)
    rows = _rows(text)
    assert rows["x86/64"][1] == str(entries[("arch/x86/entry/syscalls/syscall_64.tbl", "common", "getpid")][0])
    assert rows["x86/i386"][1] == str(entries[("arch/x86/entry/syscalls/syscall_32.tbl", "i386", "getpid")][0])
    assert rows["arm64/64"][1] == str(entries[("scripts/syscall.tbl", "common", "getpid")][0])
    # Every SOURCE names a line of the tree's table that holds getpid.
    for cells in rows.values():
        path, line = cells[-1].rsplit(":", 1)
        assert (tree / path).read_text().splitlines()[int(line) - 1].split()[2] == "getpid"
    assert "include/linux/syscalls.h:" in text  # the prototype from the tree's own header


def test_show_tree_dir_names_the_trees_version_and_prints_its_numbers(kernel_tree: Path, cli: Cli) -> None:
    proc = cli.run("show", "getpid", "--tree", kernel_tree)
    _check_getpid(_ok(proc), kernel_tree)
    assert f"note: using the kernel tree {kernel_tree} (Linux {_version(kernel_tree)})" in proc.stderr.decode()


@pytest.mark.parametrize("argv", [("getpid", "--tree"), ("--tree", "getpid")], ids=["after", "before"])
def test_show_tree_alone_inside_the_tree_reads_that_tree(kernel_tree: Path, cli: Cli, argv: tuple[str, ...]) -> None:
    _check_getpid(_ok(cli.run("show", *argv, cwd=kernel_tree / "arch" / "x86")), kernel_tree)


def test_show_tree_does_not_know_a_syscall_the_tree_lacks(kernel_tree: Path, cli: Cli) -> None:
    names = {name for _, _, name in _tree_entries(kernel_tree)}
    lacking = sorted({name for _, _, name in _shipped_entries()} - names)
    assert lacking
    assert cli.run("show", lacking[0], "--shipped").returncode == 0
    proc = cli.run("show", lacking[0], "--tree", kernel_tree)
    assert proc.returncode == 1
    assert f"unknown syscall {lacking[0]!r}" in proc.stderr.decode()


# ------------------------------------------------------------------ export


def _cells(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(column, name) -> the cell, without its location: the lines of a table move between versions."""
    return {
        (column, row["name"]): {k: v for k, v in cell.items() if k != "location"}
        for row in document["syscalls"]
        for column, cell in row["cells"].items()
    }


def _selected(columns: list[dict[str, Any]], entries: Entries) -> dict[tuple[str, str], tuple[object, ...]]:
    """(column, name) -> the line each column takes for each name, by the scripts' rule: `--abis common,64`
    becomes the regex `^NR[[:space:]]+(common|64)`, a prefix match on the ABI field (no list: every line)."""
    found: dict[tuple[str, str], tuple[object, ...]] = {}
    for column in columns:
        abis = column["abis"]
        for (table, abi, name), (number, entry, compat, noreturn) in entries.items():
            if table == column["source"] and (abis is None or any(abi.startswith(a) for a in abis)):
                found.setdefault((column["column"], name), (number, abi, entry, compat, noreturn))
    return found


def test_export_tree_differs_from_the_shipped_export_by_what_the_tables_differ_in(
    kernel_tree: Path, cli: Cli
) -> None:
    shipped = json.loads(_ok(cli.run("export", "--format", "json", "--shipped")))
    tree = json.loads(_ok(cli.run("export", "--tree", kernel_tree, "--format", "json")))
    assert (shipped["kernel"], tree["kernel"]) == ("6.18.2", _version(kernel_tree))
    assert tree["columns"] == shipped["columns"]  # the same 70 invocations, read from the 6.12 Makefiles
    # What each column takes from each version's tables; (column, name) pairs only 6.18.2's have are the
    # syscalls 6.12 lacks there, and a pair in both whose line differs is renumbered, re-pointed or moved
    # to another ABI.
    new = _selected(shipped["columns"], _shipped_entries())
    old = _selected(shipped["columns"], _tree_entries(kernel_tree))
    lacking, added = new.keys() - old.keys(), old.keys() - new.keys()
    changed = {pair for pair in new.keys() & old.keys() if new[pair] != old[pair]}
    assert lacking and ("x86/64", "getpid") not in lacking | changed

    ours, theirs = _cells(shipped), _cells(tree)
    assert ours.keys() - theirs.keys() == lacking
    assert theirs.keys() - ours.keys() == added
    assert {pair for pair in ours.keys() & theirs.keys() if ours[pair] != theirs[pair]} == changed
    for (column, name), cell in theirs.items():
        assert old[(column, name)][0] == cell["number"]
    for row in tree["syscalls"]:  # every location is a line of the tree's table naming that syscall
        for cell in row["cells"].values():
            file, line = cell["location"].rsplit(":", 1)
            assert (kernel_tree / file).read_text().splitlines()[int(line) - 1].split()[2] == row["name"]


# ------------------------------------------------------------------ build


def _small_tree(kernel_tree: Path, tmp_path: Path) -> Path:
    """A copy of the tree's top Makefile, table scripts and x86 tables: a kernel tree to run `build` in."""
    root = tmp_path / "linux"
    for path in ("Makefile", "scripts/syscalltbl.sh", "scripts/syscallhdr.sh", "arch/x86/entry/syscalls"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        copy = shutil.copytree if (kernel_tree / path).is_dir() else shutil.copy2
        copy(kernel_tree / path, root / path)
    return root


def test_build_inside_a_tree_refuses_the_shipped_tables_without_tree_or_shipped(
    kernel_tree: Path, cli: Cli, tmp_path: Path
) -> None:
    root = _small_tree(kernel_tree, tmp_path)
    for cwd in (root, root / "arch" / "x86"):
        proc = cli.run("build", cwd=cwd)
        assert proc.returncode == 2
        message = proc.stderr.decode()
        assert "Traceback" not in message and len(message.splitlines()) == 1
        assert "shipped Linux 6.18.2" in message and "--tree" in message and "--shipped" in message
        assert not (cwd / "build").exists()
    # Outside the tree, into it: refused as well.
    assert cli.run("build", "-o", root / "out", cwd=tmp_path).returncode == 2
    assert not (root / "out").exists()


def test_show_and_export_inside_a_tree_say_they_read_the_shipped_tables(
    kernel_tree: Path, cli: Cli, tmp_path: Path
) -> None:
    root = _small_tree(kernel_tree, tmp_path)
    for argv in (("show", "getpid"), ("export", "--format", "csv")):
        proc = cli.run(*argv, cwd=root)
        assert proc.returncode == 0
        warning = f"syscalltbl {argv[0]}: warning: using the shipped Linux 6.18.2 tables, not those of the kernel tree"
        assert proc.stderr.decode().startswith(warning)
        assert "pass --tree" in proc.stderr.decode()
        assert cli.run(*argv, "--shipped", cwd=root).stderr == b""


def test_build_tree_alone_inside_a_tree_builds_its_outputs_into_build(
    kernel_tree: Path, cli: Cli, tmp_path: Path
) -> None:
    root = _small_tree(kernel_tree, tmp_path)
    _ok(cli.run("build", "--tree", "--group", "kernel", cwd=root))
    built = sorted(p.relative_to(root / "build").as_posix() for p in (root / "build").rglob("*") if p.is_file())
    x86 = sorted(o["path"] for o in _shipped_meta()["output"] if o["arch"] == "x86")
    assert built == x86  # only x86 has a table and a Makefile in this tree
    assert not (root / "arch" / "x86" / "include").exists()  # nothing in the tree's own generated/


#: One output of each generator and mode, with the ABI lists that make them differ between versions.
SAMPLE = (
    "arch/x86/include/generated/uapi/asm/unistd_64.h",
    "arch/x86/include/generated/uapi/asm/unistd_x32.h",
    "arch/x86/include/generated/asm/syscalls_64.h",
    "arch/arm64/include/generated/uapi/asm/unistd_64.h",
    "arch/riscv/include/generated/asm/syscall_table_32.h",
    "arch/arm/include/generated/asm/unistd-nr.h",
    "arch/mips/include/generated/asm/unistd_nr_n64.h",
    "arch/s390/include/generated/uapi/asm/unistd_64.h",
    "arch/s390/include/generated/asm/syscall_table.h",
    "arch/s390/include/generated/asm/unistd_nr.h",
)


def test_build_tree_writes_what_the_trees_own_scripts_write(kernel_tree: Path, cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _ok(cli.run("build", "--tree", kernel_tree, "-o", out, "--group", "kernel", cwd=tmp_path))
    meta = _shipped_meta()
    outputs = {o["path"]: o for o in meta["output"]}
    built = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert built == set(outputs)
    aliases = {a["kernel_path"]: a["target"] for a in meta.get("alias", [])}
    shipped_differs = 0
    for path in SAMPLE:
        output = outputs[path]
        table = kernel_tree / aliases.get(output["input"], output["input"])
        theirs = tmp_path / "kernel" / path
        theirs.parent.mkdir(parents=True, exist_ok=True)
        argv = [a.replace("{input}", str(table)).replace("{output}", str(theirs)) for a in output["argv"]]
        kernel = run_kernel(kernel_tree, output["generator"], argv, table, theirs)
        assert kernel.status == 0 and kernel.output
        compare(kernel, Outcome(0, (out / path).read_bytes()))
        if kernel.output != _shipped_output(cli, tmp_path, path):
            shipped_differs += 1
    assert shipped_differs  # the sample shows the versions apart: the shipped tables would not pass


def _shipped_output(cli: Cli, tmp_path: Path, path: str) -> bytes:
    shipped = tmp_path / "shipped"
    if not shipped.is_dir():
        _ok(cli.run("build", "--shipped", "-o", shipped, "--group", "kernel", cwd=tmp_path))
    return (shipped / path).read_bytes()


def test_tree_option_names_a_kernel_tree(cli: Cli, tmp_path: Path) -> None:
    for argv in (("show", "getpid", "--tree", tmp_path), ("export", "--tree", tmp_path / "none")):
        proc = cli.run(*argv, cwd=tmp_path)
        assert proc.returncode == 2
        assert f"--tree {argv[-1]}:" in proc.stderr.decode() and b"Traceback" not in proc.stderr
    proc = cli.run("build", "--tree", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not inside a Linux source tree" in proc.stderr.decode()
    assert cli.run("show", "getpid", "--tree", tmp_path, "-C", tmp_path).returncode == 2  # one source of tables


def test_load_tree_is_the_project_the_commands_read(kernel_tree: Path) -> None:
    """The loader build, show, export and lint share, as the Python API will call it."""
    from syscalltbl.tables.tree import load_tree

    project = load_tree(kernel_tree)
    assert (project.kernel, project.tree, project.root) == (_version(kernel_tree), kernel_tree, kernel_tree / "arch")
    assert [o.path for o in project.outputs] == [o["path"] for o in _shipped_meta()["output"]]
    assert project.aliases == {"arch/arm64/tools/syscall_64.tbl": "scripts/syscall.tbl"}
    assert project.table_file("arch/arm64/tools/syscall_64.tbl") == kernel_tree / "scripts" / "syscall.tbl"
    headers = [p.relative_to(kernel_tree).as_posix() for p in project.prototype_headers()]
    assert headers[:2] == ["include/linux/syscalls.h", "include/linux/compat.h"]
