"""Dynamic programs and a root directory to run them in: each program with the interpreter and libraries
`ldd` lists, copied from the host at their own paths, and the host's ld.so.cache, so that ld.so finds the
same files on the machine as natively (until the machine's default root is the host's own).

Not a conftest.py: tests/conftest.py holds the fixtures, and a second one here would shadow it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from busybox import DATA, require

#: The interpreter of Debian's x86-64 programs, where PT_INTERP names it.
LD_SO = "/lib64/ld-linux-x86-64.so.2"
CLI = [sys.executable, "-m", "syscalltbl", "run"]


def build_c(tmp_path: Path, source: str, *flags: str, name: str | None = None) -> Path:
    """tests/runtime/data/SOURCE built by gcc with `flags` (none: a dynamic PIE, gcc's default)."""
    gcc = require("gcc", "gcc")
    program = tmp_path / (name or Path(source).stem)
    built = subprocess.run([gcc, "-O1", "-Wall", "-Werror", *flags, "-o", str(program), str(DATA / source)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, f"gcc {' '.join(flags)} {source} failed:\n{built.stderr}"
    return program


def libraries(program: Path | str) -> list[str]:
    """The interpreter and shared libraries `ldd` says `program` loads, by the paths ld.so opens."""
    listed = subprocess.run(["ldd", str(program)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"(/\S+) \(0x[0-9a-f]+\)", listed)


def make_dynamic_root(where: Path, programs: Mapping[str, Path | str]) -> Path:
    """A root holding each program at its path (machine path -> host file) with what it loads."""
    files = dict(programs)
    for host in programs.values():
        files.update({lib: lib for lib in libraries(host)})
    if os.path.exists("/etc/ld.so.cache"):
        files["/etc/ld.so.cache"] = "/etc/ld.so.cache"
    for path, host in files.items():
        target = where / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(host, target)  # the file itself, links followed, with its mode
    return where


def run_machine(root: Path, program: str, *args: str, env: tuple[str, ...] = (),
                trace: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    """`syscalltbl run --root ROOT` of the machine's PROGRAM (a path in the root), environment `env` only."""
    options = ["--root", str(root), "--env-clear", *(f"--env={e}" for e in env)]
    if trace is not None:
        options += ["--trace", "-o", str(trace)]
    return subprocess.run([*CLI, *options, str(root / program.lstrip("/")), *args], capture_output=True,
                          timeout=120, check=False)


def run_native(program: str, *args: str, env: tuple[str, ...] = (),
               cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([program, *args], capture_output=True, timeout=120, check=False, cwd=cwd,
                          env=dict(e.split("=", 1) for e in env))
