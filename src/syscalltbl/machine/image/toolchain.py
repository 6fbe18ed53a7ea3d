"""Assemble and link generated sources with GNU binutils.

Builds are cached by the SHA-256 of their sources, so a test suite that boots
many machines from the same table runs `as` and `ld` once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from syscalltbl.store import cache as content_cache
from syscalltbl.store import cachebound, cachedir


class ToolchainError(RuntimeError):
    """`as` or `ld` is missing, failed, or warned."""


def _tool(name: str) -> str:
    import shutil  # here, as tempfile below: a warm start runs no tool, and shutil imports its archivers

    path = shutil.which(name)
    if path is None:
        raise ToolchainError(f"{name}: not found; install GNU binutils (Debian: apt-get install binutils)")
    return path


def _run(argv: Sequence[str], cwd: Path) -> None:
    import subprocess  # here: a warm machine start finds every image built and runs no tool

    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    # A warning is an error: generated code must assemble cleanly.
    if proc.returncode != 0 or proc.stderr.strip():
        what = "failed" if proc.returncode else "warned"
        raise ToolchainError(f"{' '.join(argv)} {what} in {cwd}:\n{proc.stderr.rstrip()}")


def cache_root() -> Path:
    return cachedir.root() / "x86_64-images"


def build_elf(
    sources: Mapping[str, str],
    *,
    linker_script: str | None,
    entry: str | None = None,
    name: str = "image",
    soname: str | None = None,
) -> Path:
    """Assemble every `*.S` of `sources` (other files are includes) and link them.

    With `linker_script` (a key of `sources`) the image gets that layout;
    otherwise a static user program starting at `entry` (default `_start`).
    With `soname`, a shared object (the vDSO): position-independent, with
    a dynamic symbol table and a SysV hash for lookups in user mode.
    Returns the path of the linked ELF, shared between identical builds.
    """
    digest = content_cache.hasher(sum(len(text) for text in sources.values()))
    for key in sorted(sources):
        digest.update(f"{key}\0{len(sources[key])}\0{sources[key]}\0".encode())
    digest.update(f"{linker_script}\0{entry}\0{soname}".encode())
    out_dir = cache_root() / digest.hexdigest()[:32]
    elf = out_dir / name
    cachebound.used(out_dir)  # first: a directory used this recently is not evicted
    if elf.is_file():
        return elf

    assembler, linker = _tool("as"), _tool("ld")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # here: a warm start finds the image cached (tempfile imports shutil and random)

    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        work = Path(tmp)
        for key, text in sources.items():
            (work / key).write_text(text)
        objects = []
        for key in sorted(k for k in sources if k.endswith(".S")):
            obj = key[:-2] + ".o"
            _run([assembler, "--64", "--fatal-warnings", "-I", str(work), "-o", obj, key], work)
            objects.append(obj)
        argv = [linker, "-nostdlib", "--fatal-warnings", "-z", "noexecstack", "-o", name]
        if soname is None:
            argv.insert(1, "-static")
        else:
            argv += ["-shared", "-soname", soname, "--hash-style=both", "-Bsymbolic", "--no-undefined"]
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
            cachebound.added(out_dir)
    return elf


def _digest(*parts: Mapping[str, str] | str) -> str:
    chunks = [sorted(part.items()) if isinstance(part, Mapping) else [("", part)] for part in parts]
    h = content_cache.hasher(sum(len(key) + len(text) for items in chunks for key, text in items))
    for items in chunks:
        for key, text in items:
            h.update(f"{key}\0{len(text)}\0{text}\0".encode())
    return h.hexdigest()[:32]


def _publish(out_dir: Path, build: Callable[[Path], None]) -> Path:
    """Run `build` in a scratch directory and move it to `out_dir` atomically."""
    cachebound.used(out_dir)  # first: a directory used this recently is not evicted
    if out_dir.is_dir():
        return out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # as in the function above

    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        work = Path(tmp)
        build(work)
        try:
            os.replace(work, out_dir)
        except OSError:
            if not out_dir.is_dir():
                raise
        else:
            work.mkdir()
            cachebound.added(out_dir)
    return out_dir


def publish_text(name: str, text: str) -> Path:
    """`text` as the file `name` in a cached directory named after its contents."""

    def build(work: Path) -> None:
        (work / name).write_text(text, encoding="utf-8")

    directory = cache_root() / ("text-" + _digest({name: text}))
    try:
        intact = (directory / name).read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        intact = False
    if directory.is_dir() and not intact:  # damaged in the cache: make it again
        import shutil

        shutil.rmtree(directory, ignore_errors=True)
    return _publish(directory, build) / name


def build_userlib(sources: Mapping[str, str]) -> Path:
    """syscall.h, crt0.o and libsyscall.a (from stubs.S) in one cached directory."""

    def build(work: Path) -> None:
        for key, text in sources.items():
            (work / key).write_text(text)
        assembler, archiver = _tool("as"), _tool("ar")
        _run([assembler, "--64", "--fatal-warnings", "-o", "crt0.o", "crt0.S"], work)
        _run([assembler, "--64", "--fatal-warnings", "-o", "stubs.o", "stubs.S"], work)
        _run([archiver, "rcsD", "libsyscall.a", "stubs.o"], work)  # D: deterministic members

    return _publish(cache_root() / ("lib-" + _digest(sources)), build)


#: How programs are built against libsyscall.a: no libc, no builtins, a static non-PIE ELF.
CFLAGS = ("-static", "-nostdlib", "-no-pie", "-fno-builtin", "-fno-stack-protector", "-O2", "-Wall", "-Werror")


def build_c_program(source: Path, userlib: Path) -> Path:
    """Compile one C file with gcc against a built userlib; cached by content."""
    text = source.read_text()
    out_dir = cache_root() / ("c-" + _digest({"c": text}, str(userlib)))

    def build(work: Path) -> None:
        argv = [_tool("gcc"), *CFLAGS, "-I", str(userlib), "-o", source.stem, str(source.resolve())]
        _run([*argv, str(userlib / "crt0.o"), str(userlib / "libsyscall.a")], work)

    return _publish(out_dir, build) / source.stem
