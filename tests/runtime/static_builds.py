"""Static x86-64 programs from C, C++, Go and Rust sources, built once per content.

Each build is cached like the machine's own images (machine/image/toolchain.py):
a directory named after the SHA-256 of the source, the compiler's path, its
version and its flags, filled in a scratch directory and published with one atomic rename, so
parallel test workers building the same program never see half a binary.
A missing compiler fails the test with the Debian package to install
(tests/run.sh installs them all): these tests are never skipped.

Not a conftest.py: tests/conftest.py holds the fixtures, and a second one
here would shadow it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from syscalltbl.store import cachedir

#: Sources of the threaded programs (tests/runtime/data/threads).
THREADS = Path(__file__).resolve().parent / "data" / "threads"
#: Where Debian installs its compilers. rustup's newer rustc in ~/.cargo/bin would
#: hide what CI (which has only Debian's) sees, so Rust is looked up here only.
DEBIAN_BIN = os.pathsep.join(["/usr/bin", "/bin"])
BUILD_TIMEOUT = 600.0


@dataclass(frozen=True)
class Compiler:
    """How one language's sources become a static ELF (non-PIE, or a static-pie for Rust's default)."""

    tool: str
    package: str
    flags: tuple[str, ...]
    #: Look the tool up in Debian's directories only (see DEBIAN_BIN).
    debian_only: bool = False


COMPILERS: dict[str, Compiler] = {
    "gcc": Compiler("gcc", "gcc", ("-static", "-pthread", "-O2", "-Wall", "-Werror")),
    "musl": Compiler("musl-gcc", "musl-tools", ("-static", "-O2", "-Wall", "-Werror")),
    "g++": Compiler("g++", "g++", ("-static", "-pthread", "-O2", "-Wall", "-Werror")),
    # CGO_ENABLED=0: the Go runtime's own system calls, no libc, a static ELF.
    "go": Compiler("go", "golang-go", ("build", "-trimpath")),
    # rustc's default relocation model with +crt-static: a static-pie, as `cargo build` makes it.
    "rustc": Compiler("rustc", "rustc", ("-C", "target-feature=+crt-static", "-O"), debian_only=True),
}


def compiler_path(kind: str) -> str:
    """The compiler for `kind`, or a test failure naming the Debian package that provides it."""
    compiler = COMPILERS[kind]
    found = shutil.which(compiler.tool, path=DEBIAN_BIN if compiler.debian_only else None)
    if found is None:
        where = f" in {DEBIAN_BIN}" if compiler.debian_only else ""
        pytest.fail(f"{compiler.tool} is missing{where}: install Debian's {compiler.package} (tests/run.sh does)")
    return found


@cache
def _version(tool: str) -> str:
    """What the compiler says it is: a Debian upgrade of it makes new builds."""
    argv = [tool, "version"] if Path(tool).name == "go" else [tool, "--version"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False).stdout


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(b"%d\0" % len(data) + data)
    return h.hexdigest()[:32]


def _publish(out_dir: Path, build: Callable[[Path], None]) -> Path:
    """Run `build` in a scratch directory beside `out_dir`, then rename it into place."""
    if out_dir.is_dir():
        return out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        work = Path(tmp)
        build(work)
        try:
            os.replace(work, out_dir)
        except OSError:  # another worker published the same build first
            if not out_dir.is_dir():
                raise
        else:
            work.mkdir()  # TemporaryDirectory removes what is at its path
    return out_dir


def _go_env(cache: Path) -> dict[str, str]:
    """No network and no user state: the standard library only, caches under the test cache."""
    return {
        "PATH": os.environ.get("PATH", DEBIAN_BIN),
        "HOME": str(cache),
        "GOCACHE": str(cache / "go-build"),
        "GOPATH": str(cache / "gopath"),
        "CGO_ENABLED": "0",
        "GO111MODULE": "off",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "",
    }


def build(kind: str, source: str) -> Path:
    """`data/threads/SOURCE` built by the `kind` compiler (a key of COMPILERS); the path of the program."""
    compiler = COMPILERS[kind]
    tool = compiler_path(kind)
    path = THREADS / source
    stem = f"{path.stem}-{kind}"
    store = cachedir.root() / "test-programs"
    out_dir = store / f"{kind}-{_digest(path.read_bytes(), tool, _version(tool), *compiler.flags)}"

    def compile_into(work: Path) -> None:
        argv = [tool, *compiler.flags, "-o", str(work / stem), str(path)]
        env = _go_env(store / "go") if kind == "go" else None
        done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                              check=False)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")

    return _publish(out_dir, compile_into) / stem
