"""PID 1 (issue 17): the machine boots a generated init that starts the program, or (--pid1) the program is PID 1.

data/pid1.c prints FACTS lines, compared with a native run in a new pid
namespace (`unshare --pid --fork`, as root): there the program is PID 1
itself (`self`, `zap`), or the child of a PID 1 of its own that reaps
everything as the machine's init does (`spawn parent`). The trace tests
check what --trace shows of the init, and what --trace-init adds.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from busybox import build_static, require

from support import Cli


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_static(tmp_path_factory.mktemp("pid1"), "pid1.c")


def facts(out: bytes) -> list[str]:
    return [line for line in out.decode().splitlines() if line.startswith("FACTS ")]


def native(*argv: str) -> subprocess.CompletedProcess[bytes]:
    unshare = require("unshare", "util-linux")
    return subprocess.run([unshare, "--pid", "--fork", *argv], capture_output=True, timeout=60, check=False)


def machine(cli: Cli, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([cli.executable, "run", *argv], capture_output=True, timeout=120, check=False, env=cli.env,
                          cwd=cwd)


def test_the_program_has_a_normal_parent_and_its_orphans_go_to_the_init(cli: Cli, program: Path) -> None:
    there = native(str(program), "spawn", "parent")
    here = machine(cli, str(program), "parent")
    expected = ["FACTS parent: getppid()=1", "FACTS orphan: reparented to pid 1, our zombie to reap: none"]
    assert (facts(there.stdout), there.returncode) == (expected, 3), there.stderr
    assert (facts(here.stdout), here.returncode, here.stderr) == (expected, 3, b"")


def test_as_pid_1_a_signal_without_a_handler_is_not_delivered(cli: Cli, program: Path) -> None:
    there = native(str(program), "self")
    here = machine(cli, "--pid1", str(program), "self")
    assert facts(there.stdout)[0] == "FACTS self: getpid()=1 getppid()=0" and there.returncode == 4, there
    assert (facts(here.stdout), here.returncode, here.stderr) == (facts(there.stdout), 4, b"")
    assert "FACTS with a handler: SIGUSR1 taken 1 time(s)" in facts(here.stdout)


def test_when_pid_1_exits_every_other_process_is_killed(cli: Cli, program: Path) -> None:
    there = native(str(program), "zap")
    began = time.monotonic()
    here = machine(cli, "--pid1", str(program), "zap")
    took = time.monotonic() - began
    assert (facts(there.stdout), there.returncode) == (["FACTS zap: a child sleeps, PID 1 exits"], 5)
    assert (facts(here.stdout), here.returncode, here.stderr) == (facts(there.stdout), 5, b"")
    assert took < 30  # the child never wakes by itself: only its death ends the run


def test_a_program_killed_by_a_signal_ends_run_as_before(cli: Cli, program: Path) -> None:
    # The init exits with 128+15; `run` names the signal, as when the program was the first process.
    here = machine(cli, str(program), "die")
    assert (here.returncode, here.stderr) == (143, f"syscalltbl run: {program}: killed by SIGTERM\n".encode())


def test_trace_hides_the_init_and_trace_init_shows_it(cli: Cli, program: Path) -> None:
    # A short name, which strace would not cut: `./pid1` from its own directory (the machine's cwd stays /).
    hidden = machine(cli, "--env-clear", "--trace", "./pid1", "parent", cwd=program.parent)
    lines = hidden.stderr.decode().splitlines()
    # As `strace -f ./pid1` would start: the program's exec by the name it was given, then its pids (2 on).
    assert lines[0] == 'execve("./pid1", ["./pid1", "parent"], []) = 0', lines[:3]
    assert "/sbin/init" not in hidden.stderr.decode() and not any(x.startswith("[pid 1]") for x in lines)
    assert "getppid() = 1" in lines and any(x.startswith("[pid 2] clone(") for x in lines)
    assert lines[-1] == "[pid 2] +++ exited with 3 +++"
    shown = machine(cli, "--env-clear", "--trace", "--trace-init", "./pid1", "parent", cwd=program.parent)
    lines = shown.stderr.decode().splitlines()
    # The init is told the file `./pid1` names (its copy at its host path), and runs it by that path.
    path = str(program)[:32] + '"...'
    assert lines[0] == f'execve("/sbin/init", ["init", "/", "{path}, "./pid1", ...], []) = 0', lines[:3]
    assert "[pid 1] fork() = 2" in lines and "[pid 2] setpgid(0, 0) = 0" in lines
    assert f'[pid 2] execve("{path}, ["./pid1", "parent"], []) = 0' in lines
    assert lines[-2:] == ["[pid 1] exit_group(3) = ?", "[pid 1] +++ exited with 3 +++"]
    assert (hidden.stdout, hidden.returncode) == (shown.stdout, shown.returncode) and hidden.returncode == 3


def test_trace_init_needs_a_trace_and_an_init(cli: Cli, program: Path) -> None:
    for argv, error in ((["--trace-init"], "--trace-init needs --trace, --ftrace or --stats"),
                        (["--trace", "--trace-init", "--pid1"], "--trace-init: with --pid1 there is no init")):
        done = machine(cli, *argv, str(program), "parent")
        assert done.returncode == 2 and error in done.stderr.decode(), done.stderr


def test_the_api_boots_an_init_when_asked(program: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # Machine.run (host Python programs, the tests) keeps the program as pid 1 with no rules unless asked.
    from syscalltbl.machine.kernel.pid1 import Pid1
    from syscalltbl.machine.machine import Machine

    bare = Machine(root="/").run(program, [str(program), "parent"])
    assert "FACTS parent: getppid()=0" in capfd.readouterr().out and bare.code == 3
    booted = Machine(root="/")
    status = booted.run(program, [str(program), "parent"], pid1=Pid1.INIT)
    assert facts(capfd.readouterr().out.encode())[0] == "FACTS parent: getppid()=1"
    assert status.code == 3 and booted.init is not None and booted.init.program_pid == 2
    assert booted.init.program_status is not None and booted.init.program_status.code == 3
