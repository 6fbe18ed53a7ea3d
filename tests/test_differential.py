"""Random well-formed tables through the real kernel scripts and `syscalltbl script`, byte for byte.

The scripts come from Debian's linux-source-6.12, whose generators are
identical to 6.18.2's; they run under `sh` with LC_ALL=C, as the kernel's
Makefile runs them with LC_COLLATE=C.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tables_strategy as ts
from debian_cache import linux_source_files
from support import Cli
from syscalltbl.cli.main import main

SCRIPT_PATHS = {
    "syscalltbl": "scripts/syscalltbl.sh",
    "syscallhdr": "scripts/syscallhdr.sh",
    "arm-syscallnr": "arch/arm/tools/syscallnr.sh",
    "mips-syscallnr": "arch/mips/kernel/syscalls/syscallnr.sh",
    "s390-syscalltbl": "arch/s390/kernel/syscalls/syscalltbl",
}

ARGS = {
    "syscalltbl": ts.syscalltbl_args(),
    "syscallhdr": ts.syscallhdr_args(),
    "arm-syscallnr": st.just([]),
    "mips-syscallnr": ts.mips_args(),
    "s390-syscalltbl": ts.s390_args(),
}


@pytest.fixture(scope="module")
def kernel_tree() -> Path:
    return linux_source_files()


@dataclass
class Outcome:
    status: int
    output: bytes


def _argv(tool: str, args: list[str], table: Path, output: Path) -> list[str]:
    """The command line the kernel Makefiles write for `tool`."""
    if tool == "s390-syscalltbl":
        return args
    if tool in ("arm-syscallnr", "mips-syscallnr"):
        return [str(table), str(output), *args]
    return [*args, str(table), str(output)]


def run_kernel(tree: Path, tool: str, argv: list[str], table: Path, output: Path) -> Outcome:
    stdin = table.read_bytes() if tool == "s390-syscalltbl" else b""
    proc = subprocess.run(
        ["sh", str(tree / SCRIPT_PATHS[tool]), *argv],
        input=stdin,
        capture_output=True,
        env=dict(os.environ, LC_ALL="C"),
        cwd=output.parent,
        check=False,
    )
    if tool == "s390-syscalltbl":
        return Outcome(proc.returncode, proc.stdout)
    return Outcome(proc.returncode, output.read_bytes() if output.exists() else b"")


def run_ours_in_process(tool: str, argv: list[str], table: Path, output: Path) -> Outcome:
    """`syscalltbl script` through main(), with real standard streams swapped in."""
    stdin = table.read_bytes() if tool == "s390-syscalltbl" else b""
    saved = sys.stdin, sys.stdout, sys.stderr
    out = io.BytesIO()
    stdout = io.TextIOWrapper(out)
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    sys.stdout = stdout
    sys.stderr = io.StringIO()
    try:
        status = main(["script", tool, *argv])
        stdout.flush()
        printed = out.getvalue()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    if tool == "s390-syscalltbl":
        return Outcome(status, printed)
    return Outcome(status, output.read_bytes() if output.exists() else b"")


def run_ours_cli(cli: Cli, tool: str, argv: list[str], table: Path, output: Path) -> Outcome:
    stdin = table.read_bytes() if tool == "s390-syscalltbl" else b""
    proc = cli.run("script", tool, *argv, stdin=stdin, cwd=output.parent)
    assert b"Traceback" not in proc.stderr
    if tool == "s390-syscalltbl":
        return Outcome(proc.returncode, proc.stdout)
    return Outcome(proc.returncode, output.read_bytes() if output.exists() else b"")


def compare(kernel: Outcome, ours: Outcome) -> None:
    assert ours.status == kernel.status
    if kernel.status == 0:
        assert ours.output == kernel.output


def _check(tree: Path, tool: str, text: str, args: list[str], name: str, runner: str, cli: Cli | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "syscall.tbl"
        table.write_text(text)
        theirs_dir, ours_dir = Path(tmp) / "kernel", Path(tmp) / "ours"
        theirs_dir.mkdir()
        ours_dir.mkdir()
        argv_kernel = _argv(tool, args, table, theirs_dir / name)
        argv_ours = _argv(tool, args, table, ours_dir / name)
        kernel = run_kernel(tree, tool, argv_kernel, table, theirs_dir / name)
        if runner == "cli":
            assert cli is not None
            ours = run_ours_cli(cli, tool, argv_ours, table, ours_dir / name)
        else:
            ours = run_ours_in_process(tool, argv_ours, table, ours_dir / name)
        compare(kernel, ours)


@pytest.mark.parametrize("tool", list(SCRIPT_PATHS))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_tables_match_kernel_scripts(kernel_tree: Path, tool: str, data: st.DataObject) -> None:
    _rows, text = data.draw(ts.tables())
    args = data.draw(ARGS[tool])
    name = data.draw(ts.output_names)
    _check(kernel_tree, tool, text, args, name, "main", None)


@pytest.mark.parametrize("tool", list(SCRIPT_PATHS))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_tables_match_through_installed_cli(
    kernel_tree: Path, cli: Cli, tool: str, data: st.DataObject
) -> None:
    _rows, text = data.draw(ts.tables())
    args = data.draw(ARGS[tool])
    name = data.draw(ts.output_names)
    _check(kernel_tree, tool, text, args, name, "cli", cli)


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("syscalltbl", []),
        ("syscalltbl", ["--bogus"]),
        ("syscalltbl", ["only-one-file"]),
        ("syscallhdr", ["--frobnicate", "a", "b"]),
        ("syscallhdr", ["a", "b", "c"]),
        ("s390-syscalltbl", ["-Q"]),
        ("s390-syscalltbl", ["-H", "-a"]),
    ],
)
def test_usage_errors_exit_like_the_kernel_scripts(kernel_tree: Path, cli: Cli, tool: str, args: list[str]) -> None:
    kernel = subprocess.run(["sh", str(kernel_tree / SCRIPT_PATHS[tool]), *args], capture_output=True, check=False)
    ours = cli.run("script", tool, *args)
    assert kernel.returncode == 1
    assert ours.returncode == 1
    assert ours.stderr.decode().strip() and b"Traceback" not in ours.stderr
