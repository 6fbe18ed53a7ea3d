"""The README's runtime demo, command for command: build, gcc, run --trace."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import REPO, Cli


def test_build_compile_and_run_hello(cli: Cli, tmp_path: Path) -> None:
    assert cli.run("build", "--group", "runtime", "-o", "out", cwd=tmp_path).returncode == 0
    user = tmp_path / "out" / "runtime" / "x86_64" / "user"
    gcc = subprocess.run(
        [
            "gcc",
            "-static",
            "-nostdlib",
            "-fno-builtin",
            "-fno-stack-protector",
            "-no-pie",
            "-I",
            str(user),
            "-o",
            "hello",
            str(REPO / "examples" / "hello.c"),
            str(user / "crt0.S"),
            str(user / "stubs.S"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert gcc.returncode == 0, gcc.stderr
    proc = cli.run("run", "--trace", "./hello", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b"hello, world\n"
    assert proc.stderr.decode().splitlines()[-2:] == ['write(1, "hello, world\\n", 13) = 13', "exit_group(0) = ?"]
