"""Command lines and their exit codes, as a table (pypa/build style)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import Cli
from syscalltbl.cli.main import main

CASES = [
    (["--help"], 0, ""),
    ([], 2, "required"),
    (["frobnicate"], 2, "invalid choice"),
    (["build", "--bogus"], 2, "unrecognized arguments"),
    (["build", "--arch", "vax"], 2, "unknown architecture vax"),
    (["build", "-C", "/nonexistent-project"], 1, "not a syscalltbl project"),
    (["script"], 1, "expected TOOL"),
    (["script", "nosuchtool"], 1, "unknown script"),
    (["script", "syscalltbl", "--abis"], 1, "--abis: missing argument"),
    (["script", "syscalltbl", "--abis", "common|64", "a", "b"], 1, "invalid ABI name"),
    (["script", "syscallhdr", "--emit-nr", "only-input"], 1, "expected INFILE and OUTFILE"),
    (["script", "arm-syscallnr", "x"], 1, "expected INFILE and OUTFILE"),
    (["script", "mips-syscallnr"], 1, "expected INFILE and OUTFILE"),
    (["script", "s390-syscalltbl", "-Z"], 1, "Invalid option specified"),
    (["script", "s390-syscalltbl", "-a"], 1, "Missing argument for -a"),
]


@pytest.mark.parametrize(("argv", "status", "message"), CASES, ids=[" ".join(c[0]) or "<none>" for c in CASES])
def test_exit_codes(argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == status
    captured = capsys.readouterr()
    assert message in captured.err + captured.out


def test_build_arch_selects_its_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "-o", str(tmp_path), "--arch", "s390", "--arch", "arm"]) == 0
    assert capsys.readouterr().out == "syscalltbl build: 9 written, 0 unchanged, 0 failed\n"
    produced = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert produced == sorted(
        ["unistd_32.h", "unistd_64.h", "syscall_table.h", "unistd_nr.h", "unistd-oabi.h", "unistd-eabi.h",
         "unistd-nr.h", "calls-oabi.S", "calls-eabi.S"]
    )


def test_s390_modes_run_in_the_scripts_order_and_share_stdin(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    import io
    import sys

    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b"1 common exit sys_exit sys_exit\n"))
    try:
        assert main(["script", "s390-syscalltbl", "-N", "-H"]) == 0
    finally:
        sys.stdin = saved
    out = capsysbinary.readouterr().out.decode()
    # -H runs first and reads standard input to its end; -N then sees no table.
    assert out.index("#ifndef _UAPI_ASM_S390_SYSCALLS_64\n") < out.index("NR_syscalls 1\n")
    assert "#define __NR_exit 1" in out


def test_a_closed_pipe_is_not_a_traceback(cli: Cli) -> None:
    import subprocess

    proc = subprocess.run(
        f"'{cli.executable}' export --format csv | head -1", shell=True, capture_output=True, env=cli.env, check=False
    )
    assert proc.stdout.count(b"\n") == 1
    assert b"Traceback" not in proc.stderr and b"BrokenPipe" not in proc.stderr


def test_an_unwritable_cache_costs_speed_not_the_command(cli: Cli, tmp_path: Path) -> None:
    # /proc refuses new directories to everyone, root included: the cache cannot be made there.
    env = {**cli.env, "XDG_CACHE_HOME": "/proc/no-cache-here"}
    uncached = Cli(cli.executable, env)
    show = uncached.run("show", "getpid", "--arch", "x86")
    assert (show.returncode, show.stderr) == (0, b"") and b"sys_getpid" in show.stdout
    build = uncached.run("build", "-o", tmp_path / "out", "--group", "kernel")
    assert (build.returncode, build.stderr) == (0, b""), build.stderr
    program = tmp_path / "prog.py"
    program.write_text("from syscalltbl import libc\nlibc.write(1, b'hi\\n', 3)\n")
    run = uncached.run("run", program)  # the kernel image is built, and kept, somewhere else
    assert (run.returncode, run.stdout, run.stderr) == (0, b"hi\n", b"")


def test_two_tables_on_one_file_is_an_error_not_a_double_edit(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert cli.run("init", project).returncode == 0
    meta = project / "arch" / "tables.toml"
    meta.write_text(meta.read_text().replace('file = "alpha/kernel/syscalls/syscall.tbl"',
                                             'file = "arm/tools/syscall.tbl"'))
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    for argv in (["add-syscall", "--all-arches", "dupme"], ["build", "-o", str(tmp_path / "out")]):
        proc = cli.run(*argv, cwd=project)
        assert (proc.returncode, proc.stderr.decode()) == (
            1, f"{meta}: error: [[table]] arch/alpha/kernel/syscalls/syscall.tbl and arch/arm/tools/syscall.tbl "
            "name the same file arm/tools/syscall.tbl: make one of them an [[alias]]\n")
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before
