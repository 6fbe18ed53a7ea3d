"""Run one static program natively and on the machine, each in its own copy of one root, and compare.

The root is busybox.py's template (bin/busybox, etc/passwd, work/ with its
files) plus bin/sh as busybox, which system(), popen() and posix_spawn run as
/bin/sh, and work/data/, the directory the Go ReadDir program lists. The
program itself is copied to bin/, and runs with work/ as its directory on
both sides, so a relative path such as ../bin/busybox names the same file
natively and on the machine. Natively, /bin/sh is the host's shell: the
programs only use what every sh does the same way (echo, exit N).

Not a conftest.py: tests/conftest.py holds the fixtures, and a second one
here would shadow it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from busybox import ENV, Outcome, fresh_copy, make_template

#: What work/data holds: names sorted as os.ReadDir returns them, a subdirectory and an empty file.
DATA_FILES: dict[str, bytes] = {
    "alpha.txt": b"one\ntwo\nthree\n",
    "beta.json": b'{"answer": 42}\n',
    "empty": b"",
    "sub/inner.txt": b"inside\n",
}
#: As busybox.py's runs: ample for the slowest case (1000 goroutines), and a hang costs two minutes, not more.
TIMEOUT = 120.0


def make_root(where: Path) -> Path:
    """The template every run copies (see the module's docstring)."""
    root = make_template(where)
    (root / "bin" / "sh").symlink_to("busybox")
    for name, data in DATA_FILES.items():
        path = root / "work" / "data" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@dataclass(frozen=True)
class Run:
    outcome: Outcome
    seconds: float


def _timed(argv: list[str], *, cwd: Path | None, env: dict[str, str] | None, timeout: float,
           what: str) -> tuple[subprocess.CompletedProcess[bytes], float]:
    """The finished process and its wall time; a test failure showing what it printed if it outlives `timeout`."""
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as expired:
        partial = (expired.stdout or b"").decode(errors="replace")
        errors = (expired.stderr or b"").decode(errors="replace")[-3000:]
        pytest.fail(f"{what} did not end within {timeout:.0f} s\n--- stdout so far\n{partial}--- stderr\n{errors}")
    return proc, time.monotonic() - start


def run_native(root: Path, program: Path, args: tuple[str, ...], timeout: float = TIMEOUT) -> Run:
    proc, seconds = _timed([str(root / "bin" / program.name), *args], cwd=root / "work", env=ENV, timeout=timeout,
                           what=f"{program.name} natively")
    status = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    return Run(Outcome(status, proc.stdout, proc.stderr), seconds)


def run_machine(root: Path, program: Path, args: tuple[str, ...], timeout: float = TIMEOUT) -> Run:
    """`syscalltbl run --root ROOT --cwd /work` as busybox.run_emulated runs it, with a timeout of our own."""
    argv = [sys.executable, "-m", "syscalltbl", "run", "--root", str(root), "--cwd", "/work",
            "--env-clear"]
    for key, value in ENV.items():
        argv += ["--env", f"{key}={value}"]
    # The CLI runs in this test's environment; the program gets ENV on the machine through --env.
    proc, seconds = _timed([*argv, str(root / "bin" / program.name), *args], cwd=None, env=None, timeout=timeout,
                           what=f"{program.name} on the machine")
    return Run(Outcome(proc.returncode, proc.stdout, proc.stderr), seconds)


@dataclass(frozen=True)
class Both:
    native: Run
    machine: Run


def run_both(template: Path, tmp_path: Path, program: Path, args: tuple[str, ...] = (),
             timeout: float = TIMEOUT) -> Both:
    """PROGRAM ARGS in work/ of two fresh copies of `template`, natively and on the machine."""
    sides = {}
    for side in ("native", "machine"):
        root = fresh_copy(template, tmp_path / side)
        shutil.copy(program, root / "bin" / program.name)
        sides[side] = root
    return Both(native=run_native(sides["native"], program, args, timeout),
                machine=run_machine(sides["machine"], program, args, timeout))


def assert_same(both: Both, status: int, facts: tuple[str, ...]) -> None:
    """The native run is what the program promises (status, facts); the machine's run is the native one."""
    native, machine = both.native.outcome, both.machine.outcome
    assert native.status == status, f"the program itself is wrong natively:\n{native.text()}"
    text = native.stdout.decode(errors="replace")
    for fact in facts:
        assert fact in text, f"natively, {fact!r} is missing:\n{native.text()}"
    assert (machine.stdout, machine.status) == (native.stdout, native.status), (
        f"the machine differs from the native run\n=== native\n{native.text()}\n=== machine\n"
        f"{machine.text()[-6000:]}")
