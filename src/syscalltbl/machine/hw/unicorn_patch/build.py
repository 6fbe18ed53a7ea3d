"""Build the patched Unicorn wheel from the PyPI sdist, for x86 guests only, and cache it.

The sdist's setup.py builds every architecture (about ten times the code) and
has no switch for fewer; it does take a library from its `prebuilt/`
directory instead of building. So cmake builds libunicorn for x86 alone
(UNICORN_ARCH=x86: about 40 s of two cores), the library goes to
`prebuilt/`, and pip makes the wheel from the sdist as usual. The wheel is
kept under the cache (`$XDG_CACHE_HOME/syscalltbl/unicorn/KEY/`), KEY a hash
of the sdist, the patch, this recipe and the platform: a second run installs
it without building.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from syscalltbl.machine.hw.unicorn_patch import (
    BINDING_PATCH_FILE,
    PATCH_FILE,
    SDIST_SHA256,
    SDIST_VERSION,
    WHEEL_VERSION,
    udiff,
)
from syscalltbl.store import cachedir

#: Part of the cache key: change it when the steps below change what gets built.
RECIPE: Final = "cmake Release UNICORN_ARCH=x86 UNICORN_BUILD_TESTS=off; prebuilt/libunicorn.so.2"
_LIBRARY = "libunicorn.so.2"


class BuildError(RuntimeError):
    pass


def patch_text(name: str = PATCH_FILE) -> str:
    package = importlib.resources.files("syscalltbl.machine.hw.unicorn_patch")
    return package.joinpath(name).read_text(encoding="utf-8")


def patches_sha256() -> str:
    """The sha256 of the library's patch and the binding's, in that order (PATCH_SHA256 pins it)."""
    return hashlib.sha256((patch_text(PATCH_FILE) + patch_text(BINDING_PATCH_FILE)).encode()).hexdigest()


def cache_key() -> str:
    digest = hashlib.sha256()
    parts = (SDIST_SHA256, patch_text(PATCH_FILE), patch_text(BINDING_PATCH_FILE), RECIPE, WHEEL_VERSION,
             sysconfig.get_platform(), platform.machine())  # fmt: skip
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cached_wheel() -> Path | None:
    """The wheel a previous build left in the cache, if any."""
    wheels = sorted((cachedir.root() / "unicorn" / cache_key()).glob("unicorn-*.whl"))
    return wheels[0] if wheels else None


def missing_tools() -> list[str]:
    """What the build needs and this machine lacks (then the stock wheel stays)."""
    missing = [tool for tool in ("cmake",) if shutil.which(tool) is None]
    if not any(shutil.which(cc) for cc in (os.environ.get("CC", "cc"), "cc", "gcc", "clang")):
        missing.append("a C compiler (cc)")
    if not (shutil.which("ninja") or shutil.which("make")):
        missing.append("make or ninja")
    if not sys.platform.startswith("linux"):
        missing.append("Linux (the recipe builds libunicorn.so.2)")
    return missing


def build(log: Callable[[str], None]) -> Path:
    """Build the wheel into the cache and return its path."""
    target = cachedir.root() / "unicorn" / cache_key()
    work = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        started = time.monotonic()
        source = _fetch_sdist(work, log)
        log(f"patching {len(udiff.apply(patch_text(PATCH_FILE), source / 'src'))} files with {PATCH_FILE}")
        log(f"patching {len(udiff.apply(patch_text(BINDING_PATCH_FILE), source))} file with {BINDING_PATCH_FILE}")
        _build_library(source, work / "cmake-build", log)
        wheel = _build_wheel(source, work / "dist", log)
        target.mkdir(parents=True, exist_ok=True)
        final = target / wheel.name
        os.replace(wheel, final)  # whole or absent: a killed build leaves only the .tmp directory
        log(f"built {final.name} in {time.monotonic() - started:.0f} s")
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _fetch_sdist(work: Path, log: Callable[[str], None]) -> Path:
    log(f"downloading the unicorn {SDIST_VERSION} sdist")
    _run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-binary", ":all:",
          "--no-deps", f"unicorn=={SDIST_VERSION}", "-d", str(work / "sdist")])  # fmt: skip
    archive = work / "sdist" / f"unicorn-{SDIST_VERSION}.tar.gz"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise BuildError(f"{archive.name}: sha256 {digest}, expected {SDIST_SHA256}")
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(work / "src", filter="data")
        else:  # Python 3.11.0-3.11.3 (Debian 12's 3.11.2): no filters; the archive's hash was checked above
            tar.extractall(work / "src")
    return work / "src" / f"unicorn-{SDIST_VERSION}"


def _build_library(source: Path, build_dir: Path, log: Callable[[str], None]) -> None:
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    jobs = str(os.cpu_count() or 2)
    log(f"building libunicorn for x86 with cmake, {jobs} jobs (about 40 s on two cores)")
    _run(["cmake", "-S", str(source / "src"), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
          "-DUNICORN_BUILD_TESTS=off", "-DUNICORN_ARCH=x86", *generator])  # fmt: skip
    _run(["cmake", "--build", str(build_dir), "-j", jobs])
    shutil.copy2(build_dir / _LIBRARY, source / "prebuilt" / _LIBRARY)


def _build_wheel(source: Path, out: Path, log: Callable[[str], None]) -> Path:
    log(f"making the wheel {WHEEL_VERSION}")
    env = dict(os.environ, SETUPTOOLS_SCM_PRETEND_VERSION_FOR_UNICORN=WHEEL_VERSION)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
          "-w", str(out), str(source)], env=env)  # fmt: skip
    wheels = list(out.glob("unicorn-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"pip wheel left {[w.name for w in wheels]} in {out}")
    return wheels[0]


def install(wheel: Path) -> None:
    _run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
          "--force-reinstall", str(wheel)])  # fmt: skip


def _run(argv: Sequence[str], env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).rstrip().splitlines()[-30:])
        raise BuildError(f"{' '.join(argv)} failed ({proc.returncode}):\n{tail}")
