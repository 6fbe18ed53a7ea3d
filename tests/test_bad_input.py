"""Bad input: one clear error naming file:line:column, a non-zero exit, no traceback, nothing lost."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from support import SHIPPED_ARCH, Cli

GOOD = b"# table\n0\tcommon\tread\tsys_read\n1\tcommon\twrite\tsys_write\n"
PREVIOUS = b"previous output\n"


def _no_traceback(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize(
    ("table", "where", "mentions"),
    [
        # rejected by the kernel's syscalltbl.sh too
        (GOOD + b"1\tcommon\tdup\tsys_dup\n", ":4:1: error:", "1\tcommon\tdup\tsys_dup"),
        (GOOD + b"0\tcommon\tlow\tsys_low\n", ":4:1: error:", "not sorted"),
        (GOOD + b"2\tcommon\texit\tsys_exit\t-\tnoretrun\n", ":4:", "noreturn"),
        (GOOD + b"2\tcommon\texit\tsys_exit\t-\tnoreturn\textra\n", ":4:", "too many columns"),
        # mangled silently by the kernel's scripts
        (GOOD.replace(b"\n", b"\r\n"), ":1:8: error:", "CRLF"),
        (GOOD + b"02\tcommon\tx\tsys_x\n", ":4:1: error:", "leading zeros"),
        (GOOD + b"2x\tcommon\tx\tsys_x\n", ":4:1: error:", "decimal"),
        (GOOD + b"2\tcommon\tx\tsys_\xe9\n", ":4:", "UTF-8"),
        (GOOD + b"  2\tcommon\tx\tsys_x\n", ":4:3: error:", "column 1"),
    ],
)
def test_bad_table_keeps_previous_output(cli: Cli, tmp_path: Path, table: bytes, where: str, mentions: str) -> None:
    source = tmp_path / "syscall.tbl"
    source.write_bytes(table)
    output = tmp_path / "out.h"
    output.write_bytes(PREVIOUS)
    proc = cli.run("script", "syscalltbl", "--abis", "common", source, output)
    err = _no_traceback(proc.stderr)
    assert proc.returncode == 1
    assert err.count("\n") == 1, err
    assert err.startswith(str(source) + where), err
    assert mentions in err
    assert output.read_bytes() == PREVIOUS


def test_missing_input_file(cli: Cli, tmp_path: Path) -> None:
    output = tmp_path / "out.h"
    output.write_bytes(PREVIOUS)
    proc = cli.run("script", "syscallhdr", tmp_path / "nope.tbl", output)
    assert proc.returncode == 1
    assert _no_traceback(proc.stderr) == f"syscalltbl script: error: {tmp_path / 'nope.tbl'}: no such file\n"
    assert output.read_bytes() == PREVIOUS


def test_missing_output_directory(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "syscall.tbl"
    source.write_bytes(GOOD)
    proc = cli.run("script", "syscalltbl", source, tmp_path / "missing" / "out.h")
    assert proc.returncode == 1
    assert _no_traceback(proc.stderr) == (
        f"syscalltbl script: error: {tmp_path / 'missing'}: output directory does not exist\n"
    )
    assert not (tmp_path / "missing").exists()


def test_bad_table_on_stdin_names_stdin(cli: Cli) -> None:
    proc = cli.run("script", "s390-syscalltbl", "-S", stdin=b"1 common exit sys_exit\r\n")
    assert proc.returncode == 1
    assert _no_traceback(proc.stderr).startswith("<stdin>:1:23: error: carriage return")
    assert proc.stdout == b""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the shipped arch/ as a project of its own."""
    shutil.copytree(SHIPPED_ARCH, tmp_path / "project" / "arch")
    return tmp_path / "project"


def _snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(out)): (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}


def test_failed_build_writes_nothing(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli.run("build", "--group", "kernel", "-C", project, "-o", out).returncode == 0
    before = _snapshot(out)
    table = project / "arch" / "x86" / "entry" / "syscalls" / "syscall_64.tbl"
    lines = table.read_bytes().split(b"\n")
    lines[20] = b"0\tcommon\tread_again\tsys_read"  # a number that goes backwards
    lines[30] = lines[30] + b"\r"
    table.write_bytes(b"\n".join(lines))
    proc = cli.run("build", "--group", "kernel", "-C", project, "-o", out)
    err = _no_traceback(proc.stderr)
    assert proc.returncode == 1
    assert re.match(rf"^{re.escape(str(table))}:(21|31):\d+: error: ", err), err
    assert proc.stdout.decode().endswith("failed (nothing written)\n")
    assert _snapshot(out) == before


def test_failed_first_build_leaves_no_output_directory(cli: Cli, project: Path, tmp_path: Path) -> None:
    # A cold build makes its output directories while its worker renders: they go again when it fails.
    out = tmp_path / "fresh" / "out"
    table = project / "arch" / "x86" / "entry" / "syscalls" / "syscall_64.tbl"
    table.write_bytes(table.read_bytes().replace(b"\tread\t", b"\tread\r\t", 1))
    proc = cli.run("build", "--group", "kernel", "-C", project, "-o", out)
    assert proc.returncode == 1
    assert proc.stdout.decode().endswith("failed (nothing written)\n")
    assert not (tmp_path / "fresh").exists()


def test_second_build_writes_nothing(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli.run("build", "--group", "kernel", "-C", project, "-o", out).returncode == 0
    before = _snapshot(out)
    proc = cli.run("build", "--group", "kernel", "-C", project, "-o", out)
    assert proc.stdout == b"syscalltbl build: 0 written, 70 unchanged, 0 failed\n"
    assert _snapshot(out) == before
    assert not [p for p in out.rglob(".*.tmp")]


def test_changed_table_rewrites_only_its_outputs(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli.run("build", "--group", "kernel", "-C", project, "-o", out).returncode == 0
    table = project / "arch" / "xtensa" / "kernel" / "syscalls" / "syscall.tbl"
    table.write_bytes(table.read_bytes() + b"999\tcommon\tnew_call\t\t\tsys_new_call\n")
    proc = cli.run("build", "--group", "kernel", "-C", project, "-o", out, "-v")
    assert proc.returncode == 0
    assert proc.stdout.decode().splitlines()[-1] == "syscalltbl build: 2 written, 68 unchanged, 0 failed"
    assert b"#define __NR_new_call 999" in (out / "arch/xtensa/include/generated/uapi/asm/unistd_32.h").read_bytes()


def test_unwritable_output_directory_fails_cleanly(cli: Cli, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "file-not-dir"
        blocker.write_text("")
        proc = cli.run("build", "-o", blocker)
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        proc = cli.run("build", "-o", locked)
    assert proc.returncode == 1
    assert re.search(r"^syscalltbl build: error: \S+: cannot (write|create directory)", _no_traceback(proc.stderr))
