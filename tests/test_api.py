"""syscalltbl.api: its lookups agree with `show` and `export` on every syscall of every ABI; loading
projects and kernel trees; and a warm first lookup that imports neither Lark, Jinja2 nor networkx."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import syscalltbl
import syscalltbl.api as api
from support import Cli

#: A cell of `export --format json`, as the API's Syscall gives it.
Cell = tuple[str, str, int, int, str, str | None, str | None, bool, str]


@pytest.fixture(scope="module")
def tables() -> api.Tables:
    return api.load()


@pytest.fixture(scope="module")
def exported(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    proc = cli.run("export", "--format", "json", cwd=tmp_path_factory.mktemp("export"))
    assert proc.returncode == 0, proc.stderr
    document: dict[str, Any] = json.loads(proc.stdout)
    return document


def _cells(document: dict[str, Any]) -> Iterator[Cell]:
    """(name, column, number, absolute, abi, entry, compat, noreturn, location) of every cell, in
    column order within each syscall."""
    order = {c["column"]: i for i, c in enumerate(document["columns"])}
    for row in document["syscalls"]:
        for column, c in sorted(row["cells"].items(), key=lambda item: order[item[0]]):
            yield (row["name"], column, c["number"], c["absolute"], c["abi"], c["entry_point"],
                   c["compat_entry_point"], c["noreturn"], c["location"])  # fmt: skip


def _cell(s: api.Syscall) -> Cell:
    return (s.name, s.abi, s.number, s.absolute, s.table_abi, s.entry_point, s.compat_entry_point, s.noreturn,
            s.source)  # fmt: skip


def _by_show_order(cells: list[Cell], labels: list[str]) -> list[Cell]:
    return sorted(cells, key=lambda c: (labels.index(c[1]), c[0]))


def test_abis_are_the_columns_of_export(tables: api.Tables, exported: dict[str, Any]) -> None:
    assert tables.kernel == exported["kernel"] == "6.18.2"
    assert [
        (a.label, a.arch, a.name, a.table, a.selects, a.base, a.base_macro, a.outputs) for a in tables.abis
    ] == [
        (c["column"], c["arch"], c["abi"], c["table"], tuple(c["abis"]) if c["abis"] is not None else None,
         c["base"], c["base_macro"] or "", tuple(c["outputs"]))
        for c in exported["columns"]
    ]  # fmt: skip
    assert {a.label: a.base for a in tables.abis if a.base} == {
        "arm/oabi": 0x900000, "mips/n32": 6000, "mips/n64": 5000, "mips/o32": 4000, "x86/x32": 0x40000000,
    }  # fmt: skip


def test_every_table_of_every_abi_is_exports_column(tables: api.Tables, exported: dict[str, Any]) -> None:
    expected: dict[str, list[Cell]] = {}
    for cell in _cells(exported):
        expected.setdefault(cell[1], []).append(cell)
    for abi in tables.abis:
        table = tables.table(abi.label)
        assert table.abi == abi
        lines = [s.line for s in table]
        assert lines == sorted(lines), f"{abi.label} is not in table order"
        assert sorted(_cell(s) for s in table) == sorted(expected.pop(abi.label)), abi.label
        for s in table:
            assert table[s.name] == s
            assert table.by_number(s.number) == s  # no ABI of the shipped tables lists a number twice
            assert table.by_absolute(s.absolute) == s
            assert s.absolute == abi.base + s.number
            assert all(s in table.by_entry_point(symbol) for symbol in (s.entry_point, s.compat_entry_point) if symbol)
    assert expected == {}


def test_every_lookup_by_name_entry_point_and_number_agrees_with_the_matrix(
    tables: api.Tables, exported: dict[str, Any]
) -> None:
    """What `show` finds, derived from the matrix `export` writes: a name gives its cells; an entry
    point every cell of each syscall it is an entry point of; a number, per ABI, the cells whose table or
    absolute number it is."""
    labels = [c["column"] for c in exported["columns"]]
    cells = list(_cells(exported))
    by_name: dict[str, list[Cell]] = {}
    for cell in cells:
        by_name.setdefault(cell[0], []).append(cell)
    assert set(by_name) == set(tables.names)
    for name, expected in by_name.items():
        assert [_cell(s) for s in tables.lookup(name)] == _by_show_order(expected, labels), name
    symbols = {symbol for cell in cells for symbol in cell[5:7] if symbol}
    for symbol in sorted(symbols - set(by_name)):
        names = {cell[0] for cell in cells if symbol in cell[5:7]}
        expected = [cell for name in names for cell in by_name[name]]
        assert [_cell(s) for s in tables.lookup(symbol)] == _by_show_order(expected, labels), symbol
    for label in labels:
        column = [cell for cell in cells if cell[1] == label]
        for number in {n for cell in column for n in cell[2:4]}:
            expected = [cell for cell in column if number in cell[2:4]]
            assert [_cell(s) for s in tables.lookup(number, label)] == _by_show_order(expected, labels)
    assert [_cell(s) for s in tables.lookup(hex(0x40000027))] == [_cell(tables.table("x86/x32")["getpid"])]


def _show_rows(out: str) -> tuple[list[dict[str, str]], list[str]]:
    """The rows of `show`'s table, cut at its header's column starts, and its `not on:` list."""
    lines = out.splitlines()
    header = lines[1]
    names = [n for n in ("ARCH/ABI", "NAME", "NR", "ABSOLUTE", "ABI", "ENTRY POINT", "COMPAT", "NORETURN", "SOURCE")
             if re.search(rf"(^|  ){re.escape(n)}(  |$)", header)]  # fmt: skip
    starts: list[int] = []
    for name in names:
        starts.append(header.index(name, starts[-1] + 1 if starts else 0))
    rows = []
    for line in lines[2:]:
        if not line or line.startswith(("not on: ", "classes: ")):
            break
        bounds = [*starts[1:], len(line) + 1]
        rows.append({n: line[a:b].strip() for n, a, b in zip(names, starts, bounds, strict=True)})
    missing = next((line[len("not on: "):].split(", ") for line in lines if line.startswith("not on: ")), [])
    return rows, missing


SHOWN = [
    ("getpid",),
    ("exit", "--arch", "x86"),
    ("compat_sys_open",),
    ("sys_ni_syscall", "--arch", "mips/o32"),
    ("0x40000027",),
    ("4020",),
    ("435",),
    ("clone3", "--arch", "sh"),
    ("read", "--arch", "x86/x32"),
]


@pytest.mark.parametrize("argv", SHOWN, ids=" ".join)
def test_lookups_agree_with_show(cli: Cli, tables: api.Tables, tmp_path: Path, argv: tuple[str, ...]) -> None:
    query, arch = argv[0], (argv[2] if len(argv) > 2 else None)
    proc = cli.run("show", *argv, cwd=tmp_path)
    found = tables.lookup(query, arch)
    if proc.returncode != 0:
        assert found == ()
        assert proc.stderr.decode().strip() == f"syscalltbl show: error: {tables.explain(query, arch)}"
        return
    rows, missing = _show_rows(proc.stdout.decode())
    assert [
        (r["ARCH/ABI"], r.get("NAME", query), r["NR"], r["ABSOLUTE"].split()[0], r["ABI"], r["ENTRY POINT"],
         r["COMPAT"], r["NORETURN"], r["SOURCE"])
        for r in rows
    ] == [
        (s.abi, s.name, str(s.number), str(s.absolute), s.table_abi, s.entry_point or "", s.compat_entry_point or "",
         "noreturn" if s.noreturn else "", s.source)
        for s in found
    ]  # fmt: skip
    if "NAME" not in rows[0]:
        scope = [a.label for a in tables.abis if arch in (None, a.arch, a.label)]
        assert missing == [label for label in scope if label not in {s.abi for s in found}]


def test_every_syscall_looked_up_by_name_agrees_with_show(
    tables: api.Tables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every name of every table through `show`'s own code (the CLI's main, in this process: one
    process per name would take minutes), its table rows against the API's lookup."""
    from syscalltbl.cli.main import main

    monkeypatch.chdir(tmp_path)  # the shipped tables, as for the installed CLI run here
    names = sorted({s.name for abi in tables.abis for s in tables.table(abi.label)})
    assert len(names) > 600
    for name in names:
        assert main(["show", name]) == 0, name
        rows, _ = _show_rows(capsys.readouterr().out)
        assert [
            (r["ARCH/ABI"], r["NR"], r["ABSOLUTE"].split()[0], r["ABI"], r["ENTRY POINT"], r["COMPAT"],
             r["NORETURN"], r["SOURCE"])
            for r in rows
        ] == [
            (s.abi, str(s.number), str(s.absolute), s.table_abi, s.entry_point or "", s.compat_entry_point or "",
             "noreturn" if s.noreturn else "", s.source)
            for s in tables.lookup(name)
        ], name  # fmt: skip


def test_a_syscall_that_is_nowhere_is_explained_as_show_says(cli: Cli, tables: api.Tables, tmp_path: Path) -> None:
    proc = cli.run("show", "getpidd", cwd=tmp_path)
    assert proc.returncode == 1
    assert tables.lookup("getpidd") == ()
    assert proc.stderr.decode() == f"syscalltbl show: error: {tables.explain('getpidd')}\n"
    assert tables.explain("getpid") == ""
    with pytest.raises(KeyError, match="unknown architecture 'vax'"):
        tables.lookup("getpid", "vax")
    with pytest.raises(KeyError, match="unknown architecture/ABI 'x86'"):
        tables.table("x86")


def test_the_top_level_package_reexports_the_api_on_first_use(tmp_path: Path, cli: Cli) -> None:
    probe = (
        "import sys, syscalltbl\n"
        "print('syscalltbl.api' in sys.modules)\n"
        "import syscalltbl.api\n"
        "print(syscalltbl.load is syscalltbl.api.load, syscalltbl.Syscall is syscalltbl.api.Syscall)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=cli.env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "True", "True"]
    assert syscalltbl.load().table("x86/64")["getpid"].number == 39
    with pytest.raises(AttributeError):
        syscalltbl.no_such_name  # noqa: B018


HEAVY = ("lark", "jinja2", "networkx")

WARM_LOOKUP = (
    "import sys\n"
    "import syscalltbl.api as api\n"
    "(found,) = api.load().lookup('getpid', 'x86/64')\n"
    "assert found.number == 39, found\n"
    f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    "print('syscalltbl.export.matrix' in sys.modules)\n"
)


def test_a_warm_first_lookup_imports_no_lark_jinja2_or_networkx(fresh_cli: Cli, tmp_path: Path) -> None:
    def run() -> list[str]:
        proc = subprocess.run(
            [sys.executable, "-c", WARM_LOOKUP], cwd=tmp_path, env=fresh_cli.env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.splitlines()

    cold = run()
    assert cold[1] == "True"  # an empty cache: the matrix was built (and its index stored)
    assert run() == ["[]", "False"]  # warm: the index came from the cache, nothing heavy imported


def _edit(table: Path, old: str, new: str) -> None:
    text = table.read_text(encoding="utf-8")
    assert old in text
    table.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_project_is_loaded_and_its_edits_are_seen_through_the_cache(cli: Cli, tmp_path: Path) -> None:
    assert cli.run("init", tmp_path / "p").returncode == 0
    project = tmp_path / "p"
    table = project / "arch" / "x86" / "entry" / "syscalls" / "syscall_64.tbl"
    assert api.load(project).table("x86/64")["getpid"].entry_point == "sys_getpid"
    _edit(table, "sys_getpid\n", "sys_getpid_v2\n")
    assert api.load(project).table("x86/64")["getpid"].entry_point == "sys_getpid_v2"
    assert api.load().table("x86/64")["getpid"].entry_point == "sys_getpid"
    proc = cli.run("show", "sys_getpid_v2", "--arch", "x86/64", "-C", project, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [s.abi for s in api.load(project).lookup("sys_getpid_v2", "x86/64")] == ["x86/64"]
    with pytest.raises(api.SyscalltblError, match="not a syscalltbl project"):
        api.load(tmp_path / "nowhere")


TREE_MAKEFILE = """\
# SPDX-License-Identifier: GPL-2.0
out := arch/$(SRCARCH)/include/generated/asm
uapi := arch/$(SRCARCH)/include/generated/uapi/asm
syscall64 := $(src)/syscall_64.tbl
syshdr := $(srctree)/scripts/syscallhdr.sh
systbl := $(srctree)/scripts/syscalltbl.sh
offset :=
quiet_cmd_syshdr = SYSHDR  $@
      cmd_syshdr = $(CONFIG_SHELL) $(syshdr) --abis $(abis) --emit-nr $(if $(offset),--offset $(offset)) $< $@
quiet_cmd_systbl = SYSTBL  $@
      cmd_systbl = $(CONFIG_SHELL) $(systbl) --abis $(abis) $< $@

$(uapi)/unistd_64.h: abis := common,64
$(uapi)/unistd_x32.h: abis := common,x32
$(uapi)/unistd_x32.h: offset := __X32_SYSCALL_BIT
$(out)/syscalls_64.h: abis := common,64
$(uapi)/unistd_%.h: $(syscall64) $(syshdr) FORCE
\t$(call if_changed,syshdr)
$(out)/syscalls_64.h: $(syscall64) $(systbl) FORCE
\t$(call if_changed,systbl)

PHONY += all
all: $(uapi)/unistd_64.h $(uapi)/unistd_x32.h $(out)/syscalls_64.h
\t@:
"""

TREE_TABLE = "0\tcommon\tread\t\t\tsys_read\n1\tcommon\twrite\t\t\tsys_write\n2\t64\tfrob\t\t\tsys_frob\n" \
             "3\tx32\tfrob\t\t\tcompat_sys_frob\n4\tcomon\ttypo\t\t\tsys_typo\n"  # fmt: skip


def test_a_kernel_tree_is_read_as_lint_tree_reads_it(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "linux"
    files = {
        "Makefile": "VERSION = 6\nPATCHLEVEL = 99\nSUBLEVEL = 1\n",
        "arch/x86/entry/syscalls/Makefile": TREE_MAKEFILE,
        "arch/x86/entry/syscalls/syscall_64.tbl": TREE_TABLE,
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    tables = api.load(tree=root)
    assert (tables.kernel, tables.is_tree) == ("6.99.1", True)
    # A tree's columns come in the shipped tables' order (x86: i386, x32, 64), whatever its Makefile's.
    assert [(a.label, a.selects, a.base, a.base_macro) for a in tables.abis] == [
        ("x86/x32", ("common", "x32"), 0x40000000, "__X32_SYSCALL_BIT"),
        ("x86/64", ("common", "64"), 0, ""),
    ]
    assert [(s.abi, s.number, s.absolute, s.entry_point) for s in tables.lookup("frob")] == [
        ("x86/x32", 3, 0x40000003, "compat_sys_frob"),
        ("x86/64", 2, 2, "sys_frob"),
    ]
    assert [s.name for s in tables.table("x86/x32")] == ["read", "write", "frob"]
    assert tables.lookup(0x40000001)[0].name == "write"
    assert tables.lookup("getpid") == ()
    assert sorted(tables.outputs()) == [
        "arch/x86/include/generated/asm/syscalls_64.h",
        "arch/x86/include/generated/uapi/asm/unistd_64.h",
        "arch/x86/include/generated/uapi/asm/unistd_x32.h",
    ]
    x32_header = tables.render("arch/x86/include/generated/uapi/asm/unistd_x32.h")
    assert "#define __NR_frob (__X32_SYSCALL_BIT + 3)" in x32_header
    assert "__SYSCALL(2, sys_frob)" in tables.render("arch/x86/include/generated/asm/syscalls_64.h")
    proc = cli.run("lint", "--tree", root, "--format", "json", cwd=tmp_path)
    reported = [(f["rule"], tmp_path / f["file"], f["line"], f["message"]) for f in json.loads(proc.stdout)]
    assert ("ABI001", root / "arch/x86/entry/syscalls/syscall_64.tbl", 5) in [r[:3] for r in reported], proc.stderr
    assert [(d.rule, Path(d.file), d.line, d.message) for d in tables.lint()] == reported
    with pytest.raises(api.SyscalltblError, match="not a kernel tree"):
        api.load(tree=tmp_path)


def test_outputs_render_as_build_writes_them(cli: Cli, tables: api.Tables, tmp_path: Path) -> None:
    assert cli.run("build", "-o", tmp_path / "out", cwd=tmp_path).returncode == 0
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert sorted([*tables.outputs(), *tables.runtime_outputs()]) == written
    for path in (*tables.outputs()[::7], *tables.runtime_outputs()[::5]):
        assert tables.render(path) == (tmp_path / "out" / path).read_text(encoding="utf-8"), path
    with pytest.raises(KeyError, match=r"no output 'nope\.h'"):
        tables.render("nope.h")


def test_lint_gives_the_findings_of_the_cli_as_objects(cli: Cli, tables: api.Tables, tmp_path: Path) -> None:
    proc = cli.run("lint", "--format", "json", cwd=tmp_path)
    findings = json.loads(proc.stdout)
    assert len(findings) == 10
    assert [(d.rule, d.severity, Path(d.file).resolve(), d.line, d.column, d.message) for d in tables.lint()] == [
        (f["rule"], f["severity"], Path(f["file"]).resolve(), f["line"], f["column"], f["message"]) for f in findings
    ]
    assert len(tables.lint(exceptions=False)) == 11


def test_debians_6_12_tree_has_its_own_tables() -> None:
    """Debian's linux-source-6.12 against the shipped 6.18.2: the tree's Makefile names its version,
    it lacks the syscalls added since and has none of its own, and the syscalls both have keep their
    numbers on every ABI both have."""
    from debian_cache import linux_source_tree

    tree, shipped = api.load(tree=linux_source_tree()), api.load()
    assert tree.kernel.startswith("6.12.") and tree.is_tree
    assert set(tree.names) < set(shipped.names)
    assert {a.label for a in tree.abis} == {a.label for a in shipped.abis}
    for abi in tree.abis:
        old, new = tree.table(abi.label), shipped.table(abi.label)
        assert abi.base == new.abi.base, abi.label
        assert {s.name: s.absolute for s in old} == {s.name: s.absolute for s in new if s.name in old}, abi.label
    (getpid,) = tree.lookup("getpid", "x86/64")
    assert (getpid.number, getpid.file) == (39, "arch/x86/entry/syscalls/syscall_64.tbl")


TOOL = """\
import syscalltbl.api as api

tables: api.Tables = api.load()
numbers: list[int] = [s.number for s in tables.lookup("getpid", "x86")]
params: list[bool] = [p.is_user_pointer for p in tables.prototypes("sys_read")[0].params]
"""


def test_a_tool_is_type_checked_against_the_installed_package(cli: Cli, tmp_path: Path) -> None:
    """py.typed: mypy --strict reads the API's annotations, so a tool's mistakes are found."""
    mypy = Path(sys.executable).parent / "mypy"
    (tmp_path / "tool.py").write_text(TOOL)
    (tmp_path / "wrong.py").write_text(TOOL + 'name: int = tables.lookup("getpid")[0].name\n')

    def check(name: str) -> subprocess.CompletedProcess[str]:
        argv = [str(mypy), "--strict", "--no-incremental", "--cache-dir", os.devnull, name]
        return subprocess.run(argv, cwd=tmp_path, env=cli.env, capture_output=True, text=True)

    good = check("tool.py")
    assert good.returncode == 0, good.stdout
    bad = check("wrong.py")
    assert bad.returncode == 1
    assert 'wrong.py:6: error: Incompatible types in assignment (expression has type "str", variable has type "int")' \
        in bad.stdout  # fmt: skip
