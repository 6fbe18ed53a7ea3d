"""Real inputs from Debian packages, downloaded and unpacked into a cache.

Tests and benchmarks need the kernel's own generator scripts, its headers and
its source tree. None of that is committed: `apt-get download` fetches the
package (no root needed for that step) and the parts we read are unpacked under
`$SYSCALLTBL_TEST_CACHE` (default `~/.cache/syscalltbl-test`), once. It is
deliberately not under $XDG_CACHE_HOME, which the tests point at a fresh
directory to exercise syscalltbl's own cache.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

LINUX_SOURCE_PACKAGE = "linux-source-6.12"

#: The kernel's table generators, as paths inside a kernel tree.
KERNEL_SCRIPTS = (
    "scripts/syscalltbl.sh",
    "scripts/syscallhdr.sh",
    "arch/arm/tools/syscallnr.sh",
    "arch/mips/kernel/syscalls/syscallnr.sh",
    "arch/s390/kernel/syscalls/syscalltbl",
)


class DebianCacheError(RuntimeError):
    pass


def cache_root() -> Path:
    root = Path(os.environ.get("SYSCALLTBL_TEST_CACHE") or Path.home() / ".cache" / "syscalltbl-test")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _run(argv: list[str], cwd: Path | None = None) -> str:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise DebianCacheError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def _apt_update_once() -> None:
    marker = cache_root() / ".apt-updated"
    if not marker.exists():
        _run(["apt-get", "update"])
        marker.touch()


def package_names(pattern: str) -> list[str]:
    """Names of packages matching the anchored regex `pattern`."""
    regex = re.compile(pattern)
    names = _run(["apt-cache", "pkgnames"]).split()
    if not any(regex.fullmatch(n) for n in names):
        _apt_update_once()
        names = _run(["apt-cache", "pkgnames"]).split()
    return sorted(n for n in names if regex.fullmatch(n))


def newest_package(pattern: str) -> str:
    """The matching package with the highest version (dpkg ordering)."""
    names = package_names(pattern)
    if not names:
        raise DebianCacheError(f"no Debian package matches {pattern!r}")

    def version(name: str) -> str:
        out = _run(["apt-cache", "show", "--no-all-versions", name])
        match = re.search(r"^Version: (\S+)", out, re.M)
        return match.group(1) if match else "0"

    best = names[0]
    best_version = version(best)
    for name in names[1:]:
        candidate = version(name)
        newer = subprocess.run(["dpkg", "--compare-versions", candidate, "gt", best_version], check=False)
        if newer.returncode == 0:
            best, best_version = name, candidate
    return best


def download(package: str) -> Path:
    """The package's .deb, downloaded into the cache once."""
    dest = cache_root() / "debs" / package
    existing = sorted(dest.glob("*.deb")) if dest.is_dir() else []
    if existing:
        return existing[-1]
    dest.mkdir(parents=True, exist_ok=True)
    try:
        _run(["apt-get", "download", package], cwd=dest)
    except DebianCacheError:
        _apt_update_once()
        _run(["apt-get", "download", package], cwd=dest)
    debs = sorted(dest.glob("*.deb"))
    if not debs:
        raise DebianCacheError(f"apt-get download {package} produced no .deb")
    return debs[-1]


def unpack_deb(package: str) -> Path:
    """The package's files unpacked (dpkg-deb -x) into the cache."""
    deb = download(package)
    dest = cache_root() / "unpacked" / deb.stem
    if not (dest / ".complete").exists():
        tmp = Path(tempfile.mkdtemp(dir=cache_root()))
        _run(["dpkg-deb", "-x", str(deb), str(tmp)])
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(dest)
        (dest / ".complete").touch()
    return dest


def _linux_source_tarball() -> Path:
    unpacked = unpack_deb(LINUX_SOURCE_PACKAGE)
    tarballs = sorted((unpacked / "usr" / "src").glob("linux-source-*.tar.xz"))
    if not tarballs:
        raise DebianCacheError(f"{LINUX_SOURCE_PACKAGE} holds no linux-source tarball")
    return tarballs[-1]


def linux_source_files(members: tuple[str, ...] = KERNEL_SCRIPTS) -> Path:
    """A kernel tree holding only `members` (paths relative to the tree root)."""
    tarball = _linux_source_tarball()
    top = tarball.name.removesuffix(".tar.xz")
    key = hashlib.sha256("\0".join(members).encode()).hexdigest()[:16]
    dest = cache_root() / "linux-partial" / f"{top}-{key}"
    if (dest / ".complete").exists():
        return dest / top
    tmp = Path(tempfile.mkdtemp(dir=cache_root()))
    _run(["tar", "-xJf", str(tarball), "-C", str(tmp), *[f"{top}/{m}" for m in members]])
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(dest)
    (dest / ".complete").touch()
    return dest / top


def linux_source_tree() -> Path:
    """The whole kernel tree, unpacked once (about 1.5 GB)."""
    tarball = _linux_source_tarball()
    top = tarball.name.removesuffix(".tar.xz")
    dest = cache_root() / "linux-full" / top
    if (dest / ".complete").exists():
        return dest / top
    tmp = Path(tempfile.mkdtemp(dir=cache_root()))
    _run(["tar", "-xJf", str(tarball), "-C", str(tmp)])
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(dest)
    (dest / ".complete").touch()
    return dest / top
