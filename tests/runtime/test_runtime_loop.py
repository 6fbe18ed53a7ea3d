"""The whole add-a-syscall loop: init, add-syscall, write the body, build, run from Python and C, lint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from busybox import require

CLI = [sys.executable, "-m", "syscalltbl"]
PYTHON_PROGRAM = """\
import sys

sys.path.insert(0, "build/runtime/x86_64/python")
import libc  # the wrappers `syscalltbl build` generated from this project's table

print(f"my_func(2, 3) = {libc.my_func(2, 3)}, my_func(-7, 10) = {libc.my_func(-7, 10)}")
"""
C_PROGRAM = """\
#include "syscall.h"

int main(void)
{
	static const char msg[] = "my_func(40, 2) = 42\\n";

	if (my_func(40, 2) != 42)
		return 1;
	write(1, msg, sizeof(msg) - 1);
	return 0;
}
"""


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


def test_add_build_and_call_from_python_and_c(tmp_path: Path) -> None:
    require("gcc", "gcc")  # installs it, or fails: a skip would pass for nothing
    assert cli("init", "proj", cwd=tmp_path).returncode == 0
    proj = tmp_path / "proj"
    added = cli("add-syscall", "my_func", "--params", "int a, int b", cwd=proj)
    assert added.returncode == 0, added.stderr
    impl = proj / "syscalls" / "my_func.py"
    impl.write_text(impl.read_text().replace("    raise Errno(ENOSYS)  # until its body is written\n",
                                             "    return a + b\n"))
    built = cli("build", cwd=proj)
    assert built.returncode == 0, built.stderr
    (proj / "prog.py").write_text(PYTHON_PROGRAM)
    ran = cli("run", "prog.py", cwd=proj)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "my_func(2, 3) = 5, my_func(-7, 10) = 3\n", "")
    (proj / "prog.c").write_text(C_PROGRAM)
    user = proj / "build/runtime/x86_64/user"
    subprocess.run(["gcc", "-static", "-nostdlib", "-fno-builtin", "-fno-stack-protector", "-no-pie", "-I", user,
                    "-o", proj / "prog", proj / "prog.c", user / "crt0.S", user / "stubs.S"], check=True)
    ran = cli("run", "./prog", cwd=proj)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "my_func(40, 2) = 42\n", "")
    # The tracer decodes the project's own call from the project's prototype header.
    traced = cli("run", "--trace", "./prog", cwd=proj)
    assert traced.returncode == 0, traced.stderr
    assert "my_func(40, 2) = 42\n" in traced.stderr.splitlines(keepends=True)
    linted = cli("lint", cwd=proj)
    assert linted.returncode == 0, linted.stdout
    assert linted.stdout.splitlines()[-1].startswith("syscalltbl lint: 0 errors")


def test_unwritten_body_answers_enosys(tmp_path: Path) -> None:
    assert cli("init", "proj", cwd=tmp_path).returncode == 0
    proj = tmp_path / "proj"
    assert cli("add-syscall", "my_func", "--params", "int a, int b", cwd=proj).returncode == 0
    assert cli("build", "--group", "runtime", cwd=proj).returncode == 0
    (proj / "prog.py").write_text(PYTHON_PROGRAM)
    ran = cli("run", "prog.py", cwd=proj)
    assert ran.returncode == 1
    assert "OSError: [Errno 38] Function not implemented" in ran.stderr
