"""A malformed or foreign input costs only what reads it, and is reported once (issue 18).

`show` prints the prototypes of the matched architecture only; `lint FILE --abis A --abis B`
lints the file as read by one output per --abis; `build` reports a malformed table once, not
once per output; a malformed table of one architecture leaves `show` of the others working
(with a warning), while `show` on that architecture and `export` (always every architecture)
fail with its error.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from support import SHIPPED_ARCH, Cli

SH_TABLE = "arch/sh/kernel/syscalls/syscall.tbl"
X86_64_TABLE = "arch/x86/entry/syscalls/syscall_64.tbl"


def _prototype_lines(out: str) -> list[str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("prototypes"))
    return lines[start:]


def test_show_prints_prototypes_of_the_matched_architecture_only(cli: Cli, tmp_path: Path) -> None:
    # mips o32's getpid by its absolute number: the shipped prototype header is the x86-64 runtime's.
    proc = cli.run("show", "4020", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    table = [row for row in out.split("\n\n")[0].splitlines()[2:] if not row.startswith("classes:")]
    assert [row.split()[:2] for row in table] == [["mips/o32", "getpid"]]
    assert _prototype_lines(out)[1:] == ["  sys_getpid: no prototype for mips in these headers"]
    assert "x86/include" not in out
    # On x86 the same header is the right one.
    proc = cli.run("show", "getpid", "--arch", "x86", cwd=tmp_path)
    assert re.search(r"^  sys_getpid\s+long sys_getpid\(void\)\s+x86/include/syscalls_64\.h:\d+$", proc.stdout.decode(),
                     re.M), proc.stdout.decode()  # fmt: skip


def test_show_takes_arch_headers_of_a_tree_for_their_own_architecture(cli: Cli, tmp_path: Path) -> None:
    tree = tmp_path / "headers"
    for arch, declaration in (("x86", "long sys_getpid(int x86_only)"), ("mips", "long sys_getpid(int mips_only)")):
        header = tree / "arch" / arch / "include" / "asm" / "syscalls.h"
        header.parent.mkdir(parents=True)
        header.write_text(f"asmlinkage {declaration};\n")
    proc = cli.run("show", "4020", "--headers", tree, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert _prototype_lines(proc.stdout.decode())[1:] == [
        "  sys_getpid  long sys_getpid(int mips_only)  arch/mips/include/asm/syscalls.h:1"
    ]
    # Generic headers hold everywhere; arm has no header of its own here.
    (tree / "include" / "linux").mkdir(parents=True)
    (tree / "include" / "linux" / "syscalls.h").write_text("asmlinkage long sys_getpid(void);\n")
    proc = cli.run("show", "getpid", "--arch", "arm", "--headers", tree, cwd=tmp_path)
    assert _prototype_lines(proc.stdout.decode())[1:] == [
        "  sys_getpid  long sys_getpid(void)  include/linux/syscalls.h:1"
    ]


def test_lint_repeated_abis_means_one_output_each(cli: Cli, tmp_path: Path) -> None:
    table = SHIPPED_ARCH.parent / X86_64_TABLE
    # x86's Makefile makes unistd_64.h (common,64) and unistd_x32.h (common,x32) of this one table.
    proc = cli.run("lint", table, "--abis", "common,64", "--abis", "common,x32", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert proc.stdout.decode().splitlines()[-1].startswith("syscalltbl lint: 0 errors,")
    # Either list alone leaves the other ABI's lines to no output: a true finding, then.
    proc = cli.run("lint", table, "--abis", "common,64", cwd=tmp_path)
    assert proc.returncode == 1
    assert "no output selects ABI 'x32'" in proc.stdout.decode()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the shipped arch/ as a project of its own."""
    shutil.copytree(SHIPPED_ARCH, tmp_path / "project" / "arch")
    return tmp_path / "project"


def _break(project: Path, table: str) -> int:
    """Give the first entry of `table` a number that is no number; its line number."""
    path = project / table
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line[:1].isdigit())
    lines[index] = "1x" + lines[index].split("\t", 1)[0].lstrip("0123456789") + "\t" + lines[index].split("\t", 1)[1]
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def test_build_reports_a_malformed_table_once(cli: Cli, project: Path, tmp_path: Path) -> None:
    line = _break(project, X86_64_TABLE)
    proc = cli.run("build", "-o", tmp_path / "out", cwd=project)
    assert proc.returncode == 1
    # Six outputs read the table (five kernel headers and the runtime group): one error.
    assert proc.stderr.decode() == (
        f"{X86_64_TABLE}:{line}:1: error: invalid syscall number '1x': expected a decimal number\n"
    )
    assert proc.stdout.decode() == "syscalltbl build: 0 written, 0 unchanged, 6 failed (nothing written)\n"
    # Two malformed tables: one error each.
    sh_line = _break(project, SH_TABLE)
    proc = cli.run("build", "--group", "kernel", "-o", tmp_path / "out", cwd=project)
    errors = proc.stderr.decode().splitlines()
    assert sorted(errors) == sorted(
        f"{table}:{n}:1: error: invalid syscall number '1x': expected a decimal number"
        for table, n in ((X86_64_TABLE, line), (SH_TABLE, sh_line))
    )
    # lint reports the malformed line once too, however many outputs read it.
    proc = cli.run("lint", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout.decode().count(f"{X86_64_TABLE}:{line}:1: error:") == 1


def test_show_of_another_architecture_survives_a_malformed_table(cli: Cli, project: Path) -> None:
    line = _break(project, SH_TABLE)
    warning = (
        f"{SH_TABLE}:{line}:1: warning: invalid syscall number '1x': expected a decimal number; sh left out\n"
    )
    proc = cli.run("show", "getpid", "--arch", "x86", cwd=project)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr.decode() == warning
    rows = [r for r in proc.stdout.decode().split("\n\n")[0].splitlines()[2:] if not r.startswith("classes:")]
    assert sorted(row.split()[0] for row in rows) == ["x86/64", "x86/i386", "x86/x32"]
    # Every architecture: all but sh, and sh is not claimed to lack getpid.
    proc = cli.run("show", "getpid", cwd=project)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr.decode() == warning
    columns = [line.split(" ", 1)[0] for line in proc.stdout.decode().splitlines()]
    assert "x86/64" in columns and "xtensa" in columns and "sh" not in columns
    assert "not on: alpha" in proc.stdout.decode().splitlines()
    # The broken architecture itself: its table's error.
    proc = cli.run("show", "getpid", "--arch", "sh", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert proc.stderr.decode() == (
        f"{SH_TABLE}:{line}:1: error: invalid syscall number '1x': expected a decimal number\n"
    )


def test_export_fails_on_a_malformed_table(cli: Cli, project: Path, tmp_path: Path) -> None:
    """export has no --arch: it is every architecture, so a partial matrix would be silent data loss."""
    line = _break(project, SH_TABLE)
    for form in ("json", "csv", "html"):
        target = tmp_path / f"matrix.{form}"
        proc = cli.run("export", "--format", form, "-o", target, cwd=project)
        assert proc.returncode == 1
        assert proc.stderr.decode() == (
            f"{SH_TABLE}:{line}:1: error: invalid syscall number '1x': expected a decimal number\n"
        )
        assert not target.exists()
