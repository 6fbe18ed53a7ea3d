"""Assemble and link generated sources with GNU binutils.

Builds are cached by the SHA-256 of their sources, so a test suite that boots
many machines from the same table runs `as` and `ld` once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path


class ToolchainError(RuntimeError):
    """`as` or `ld` is missing, failed, or warned."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolchainError(f"{name}: not found; install GNU binutils (Debian: apt-get install binutils)")
    return path


def _run(argv: Sequence[str], cwd: Path) -> None:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    # A warning is an error: generated code must assemble cleanly.
    if proc.returncode != 0 or proc.stderr.strip():
        what = "failed" if proc.returncode else "warned"
        raise ToolchainError(f"{' '.join(argv)} {what} in {cwd}:\n{proc.stderr.rstrip()}")


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "syscalltbl" / "x86_64-images"


def build_elf(
    sources: Mapping[str, str], *, linker_script: str | None, entry: str | None = None, name: str = "image"
) -> Path:
    """Assemble every `*.S` of `sources` (other files are includes) and link them.

    With `linker_script` (a key of `sources`) the image gets that layout;
    otherwise a static user program starting at `entry` (default `_start`).
    Returns the path of the linked ELF, shared between identical builds.
    """
    digest = hashlib.sha256()
    for key in sorted(sources):
        digest.update(f"{key}\0{len(sources[key])}\0{sources[key]}\0".encode())
    digest.update(f"{linker_script}\0{entry}".encode())
    out_dir = cache_root() / digest.hexdigest()[:32]
    elf = out_dir / name
    if elf.is_file():
        return elf

    assembler, linker = _tool("as"), _tool("ld")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        work = Path(tmp)
        for key, text in sources.items():
            (work / key).write_text(text)
        objects = []
        for key in sorted(k for k in sources if k.endswith(".S")):
            obj = key[:-2] + ".o"
            _run([assembler, "--64", "--fatal-warnings", "-I", str(work), "-o", obj, key], work)
            objects.append(obj)
        argv = [linker, "-static", "-nostdlib", "--fatal-warnings", "-z", "noexecstack", "-o", name]
        if linker_script is not None:
            argv += ["-T", linker_script, "-z", "max-page-size=4096"]
        else:
            argv += ["-e", entry or "_start"]
        _run(argv + objects, work)
        # Publish atomically: a concurrent builder of the same digest may win the race.
        try:
            os.replace(work, out_dir)
        except OSError:
            if not elf.is_file():
                raise
        else:
            # os.replace moved the directory TemporaryDirectory would clean up.
            work.mkdir()
    return elf
