"""Run one command three ways on the same files: natively, under qemu-x86_64, and on the machine.

Debian's busybox-static and a `gcc -static` program are static x86-64 ELFs,
so each runs directly on the host: that run is the reference the emulated
machine is held to, and qemu-user's run checks the reference itself (a
command whose native output qemu cannot reproduce is not deterministic
enough to compare).

Each side gets its own copy of one template root (bin/busybox, the host's
etc/passwd and etc/group for ls -l's owner names, empty dev/ and proc/ so the
root directory's link count matches the machine's, and work/ with the files
the commands read). Every copied file and directory gets the same fixed
times, so `ls -l` shows the same date on every side and nothing depends on
when or in which order the copies were made.

Not a conftest.py: tests/conftest.py holds the fixtures, and a second
one here would shadow it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BUSYBOX = Path("/bin/busybox")
#: The C programs the runtime tests build (tests/runtime/data).
DATA = Path(__file__).resolve().parent / "data"
#: 2024-01-02 03:04:05 UTC: every file of the template has this atime and mtime.
SEEDED_TIME = 1704164645
#: The environment of every run (env -i ...): TZ pins date's output, LC_ALL its language.
ENV = {"PATH": "/bin", "HOME": "/", "TZ": "UTC0", "LC_ALL": "C"}
TIMEOUT = 120.0


def require(tool: str, package: str) -> str:
    """The path of `tool`, installing Debian's `package` first if it is missing (tests/run.sh lists it too)."""
    found = shutil.which(tool)
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", package],
                       env=env, capture_output=True, check=False)
        found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} is missing: install Debian's {package} (tests/run.sh does)")
    return found


def build_static(tmp_path: Path, source: str) -> Path:
    """A glibc program from tests/runtime/data, built with gcc -static into tmp_path."""
    gcc = require("gcc", "gcc")
    program = tmp_path / Path(source).stem
    built = subprocess.run([gcc, "-static", "-O1", "-o", str(program), str(DATA / source)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, f"gcc -static {source} failed (is libc6-dev installed?):\n{built.stderr}"
    return program


def busybox() -> Path:
    require("busybox", "busybox-static")
    if not BUSYBOX.is_file():
        pytest.fail(f"{BUSYBOX} is missing: install Debian's busybox-static")
    return BUSYBOX


WORK_FILES: dict[str, bytes] = {
    "f.txt": b"hello world\nsecond line\n",
    "numbers.txt": b"10\n2\n33\n4\n5\n100\n7\n",
    "words.txt": b"pear\napple\nfig\napple\nbanana\nfig\nfig\n",
    "data.csv": b"name,qty,price\nbolt,12,0.25\nnut,7,0.10\nscrew,30,0.05\n",
    "empty.txt": b"",
    # Larger than a pipe's buffer (64 KiB), so pipelines of it block and wake.
    "big.txt": b"".join(b"line %d of the big file\n" % i for i in range(1, 8001)),
    "script.sh": b'echo "script got $# args: $*"\nexit 5\n',
    "sub/y": b"in sub\n",
    "sub/deeper/z": b"zed\n",
}


def make_template(root: Path) -> Path:
    """The root every side copies: see the module's docstring."""
    (root / "bin").mkdir(parents=True)
    shutil.copy(busybox(), root / "bin" / "busybox")
    (root / "etc").mkdir()
    for name in ("passwd", "group"):
        shutil.copy(Path("/etc") / name, root / "etc" / name)
    (root / "dev").mkdir()
    (root / "proc").mkdir()
    work = root / "work"
    for name, data in WORK_FILES.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(data)
    (work / "link.txt").symlink_to("f.txt")
    return root


def fresh_copy(template: Path, where: Path) -> Path:
    """A copy of `template` at `where`, with every entry's atime and mtime set to SEEDED_TIME."""
    shutil.copytree(template, where, symlinks=True)
    times = (SEEDED_TIME, SEEDED_TIME)
    for directory, dirs, files in os.walk(where):
        for name in [*dirs, *files]:
            os.utime(os.path.join(directory, name), times, follow_symlinks=False)
    os.utime(where, times)
    return where


@dataclass(frozen=True)
class Outcome:
    """How a run ended: exit status (128+N for signal N, as a shell reports it), stdout, stderr."""

    status: int
    stdout: bytes
    stderr: bytes

    def text(self) -> str:
        return (f"status {self.status}\n--- stdout\n{self.stdout.decode(errors='replace')}"
                f"--- stderr\n{self.stderr.decode(errors='replace')}")


def _outcome(proc: subprocess.CompletedProcess[bytes]) -> Outcome:
    status = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    return Outcome(status, proc.stdout, proc.stderr)


def run_native(program: Path, args: list[str], cwd: Path, stdin: bytes = b"") -> Outcome:
    proc = subprocess.run([str(program), *args], cwd=cwd, env=ENV, input=stdin, capture_output=True,
                          timeout=TIMEOUT, check=False)
    return _outcome(proc)


def run_qemu(program: Path, args: list[str], cwd: Path, stdin: bytes = b"") -> Outcome:
    qemu = require("qemu-x86_64", "qemu-user")
    proc = subprocess.run([qemu, str(program), *args], cwd=cwd, env=ENV, input=stdin, capture_output=True,
                          timeout=TIMEOUT, check=False)
    return _outcome(proc)


def run_emulated(program: Path, args: list[str], root: Path | None, cwd: str, stdin: bytes = b"") -> Outcome:
    """`syscalltbl run` as a user types it; its own "killed by" line is not the program's output."""
    argv = [sys.executable, "-m", "syscalltbl", "run", "--cwd", cwd, "--env-clear"]
    argv += ["--empty-root"] if root is None else ["--root", str(root)]
    for key, value in ENV.items():
        argv += ["--env", f"{key}={value}"]
    proc = subprocess.run([*argv, str(program), *args], input=stdin, capture_output=True, timeout=TIMEOUT,
                          check=False)
    stderr = proc.stderr
    ours = f"syscalltbl run: {program}: killed by ".encode()
    if proc.returncode > 128:
        head, _, last = stderr.rstrip(b"\n").rpartition(b"\n")
        if last.startswith(ours):
            stderr = head + b"\n" if head else b""
    return Outcome(proc.returncode, proc.stdout, stderr)


@dataclass(frozen=True)
class Runs:
    native: Outcome
    qemu: Outcome
    emulated: Outcome


def run_busybox(template: Path, tmp_path: Path, args: list[str], stdin: bytes = b"") -> Runs:
    """`busybox ARGS` in work/ of three fresh copies of `template`."""
    sides = {name: fresh_copy(template, tmp_path / name) for name in ("native", "qemu", "emulated")}
    return Runs(
        native=run_native(sides["native"] / "bin" / "busybox", args, sides["native"] / "work", stdin),
        qemu=run_qemu(sides["qemu"] / "bin" / "busybox", args, sides["qemu"] / "work", stdin),
        emulated=run_emulated(sides["emulated"] / "bin" / "busybox", args, sides["emulated"], "/work", stdin),
    )
