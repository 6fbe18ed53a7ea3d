"""A static C program held to Linux on a tmpfs: run natively in a fresh directory of /dev/shm, and on the
machine in its root's /work; outputs and exit statuses must be the same.

The machine's own filesystem is tmpfs-like, so a tmpfs is what its answers are compared with. The native
run must also print each of the test's FACTS lines, so that a broken native run cannot pass as a match.
Not a conftest.py (see native_vs_machine.py).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from busybox import ENV
from native_vs_machine import run_machine

SHM = Path("/dev/shm")
#: Makes a work directory ready before a run: the files the program expects to find there.
Prepare = Callable[[Path], None]


def require_tmpfs(path: Path = SHM) -> None:
    """The native side means something only on a tmpfs: fail, never skip, without one."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[4] == str(path) and fields[fields.index("-") + 1] == "tmpfs":
            return
    pytest.fail(f"{path} is not a tmpfs here: the native run needs one")


def machine_root(where: Path, program: Path, prepare: Prepare | None = None) -> Path:
    """A root with the program in bin/, work/ (made ready by `prepare`), and dev/ and proc/ as Linux has them."""
    for name in ("bin", "work", "dev", "proc"):
        (where / name).mkdir(parents=True)
    (where / "proc").chmod(0o555)
    (where / "bin" / program.name).write_bytes(program.read_bytes())
    (where / "bin" / program.name).chmod(0o755)
    if prepare is not None:
        prepare(where / "work")
    return where


def native_output(program: Path, facts: Iterable[str], prepare: Prepare | None = None) -> str:
    """What `program` prints natively in a fresh tmpfs directory (made ready by `prepare`): it must exit 0
    and print every line of `facts`."""
    require_tmpfs()
    with tempfile.TemporaryDirectory(dir=SHM) as here:
        if prepare is not None:
            prepare(Path(here))
        native = subprocess.run([str(program)], cwd=here, env=ENV, capture_output=True, timeout=120, check=False)
    text = native.stdout.decode()
    assert native.returncode == 0, f"natively:\n{text}{native.stderr.decode()}"
    for fact in facts:
        assert fact in text.splitlines(), f"natively, {fact!r} is missing:\n{text}"
    return text


def assert_as_on_a_tmpfs(tmp_path: Path, program: Path, facts: Iterable[str], prepare: Prepare | None = None) -> None:
    """The machine prints what `program` prints natively on a tmpfs, and exits 0 as it does."""
    text = native_output(program, facts, prepare)
    machine = run_machine(machine_root(tmp_path / "root", program, prepare), program, ()).outcome
    assert (machine.stdout.decode(), machine.status) == (text, 0), machine.text()[-4000:]


def trace_on_machine(root: Path, program: Path, out: Path, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """`syscalltbl run --trace -o OUT` of the root's bin/PROGRAM, in /work."""
    argv = [sys.executable, "-m", "syscalltbl", "run", "--trace", "-o", str(out), "--root", str(root),
            "--cwd", "/work", str(root / "bin" / program.name)]
    return subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
