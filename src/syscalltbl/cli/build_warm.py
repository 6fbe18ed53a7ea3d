"""`syscalltbl build` answered from its record (store/buildrecord.py), before the CLI is imported.

A full build that succeeds records, under its command line, working
directory and the stamps of the code that builds, what it read and wrote.
When a later build with the same command line finds every input and probe
as recorded, it needs no parsing, rendering, argument parsing or planning:
outputs that are still as written are unchanged, the others are written
again from their cache entries. Anything else (no record, a changed input or
code file, a missing cache entry, an error of any kind) goes the whole way,
which reports it as it always has. Builds with the runtime group, --tree or
--explain are not recorded: their inputs are more than tables.
"""

from __future__ import annotations

import os

from syscalltbl.generators.code_files import code_files
from syscalltbl.store import atomic, buildrecord, entry, lockfile

TYPE_CHECKING = False  # not typing: see the module docstring
if TYPE_CHECKING:
    from collections.abc import Callable


def _code() -> list[str]:
    """The files whose code decides what a build command means and makes: the generators and the
    table parser (code_files), and the modules of the CLI, the build, the store and the tables."""
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    files = code_files()
    for part in ("", "cli", "build", "store", "tables"):
        directory = os.path.join(package, part)
        files += sorted(os.path.join(directory, n) for n in os.listdir(directory) if n.endswith((".py", ".toml")))
    return files


def _key(argv: list[str]) -> str:
    return buildrecord.key(_code(), os.getcwd(), argv)


def recorder(
    argv: list[str], known: tuple[list[str], list[str]] | None, verbose: bool
) -> Callable[[list[tuple[str, str, str]], str, str], None]:
    """What a successful full build calls, holding its lock, with its (file, cache key, -v name)
    outputs, its lock file and its output directory: it records them for the next build with
    `argv`. `known` is what the project's choice depends on (cli/tables_source.record_inputs);
    None, or no outputs (the runtime group was built), records only that `argv` was built here,
    which answers nothing but tells the next build that it is probably not a cold one."""

    def record(outputs: list[tuple[str, str, str]], lock: str, outdir: str) -> None:
        from binascii import crc32

        if not entry.enabled():
            return
        if known is None or not outputs:
            buildrecord.save(entry.preferred_root(), _key(argv), buildrecord.Record("", [], {}, []))
            return
        absent, inputs = known
        made = []
        for path, key, shown in outputs:
            try:
                with open(path, "rb") as handle:  # as this build left it: what its cache entry holds
                    crc = str(crc32(handle.read()))
            except OSError:
                return  # not recorded: the next build goes the whole way, which will say why
            made.append(buildrecord.Output(path, key, crc, buildrecord.stamp(path), shown if verbose else ""))
        stamps = {path: buildrecord.stamp(path) for path in inputs}
        if "" in stamps.values() or any(o.stamp == "" for o in made):
            return
        # The lock and the build's own record are those of the directory the output path resolved to.
        where = {outdir: os.path.realpath(outdir)}
        buildrecord.save(entry.preferred_root(), _key(argv), buildrecord.Record(lock, absent, stamps, made, where))

    return record


#: answer()'s word for "no build with these arguments here before": the build is probably cold.
UNRECORDED = (-1, "")


def answer(argv: list[str]) -> tuple[int, str] | None:
    """(exit status, what to print) when the record answered; None or UNRECORDED to go the whole way."""
    if not entry.enabled():
        return None
    try:
        return _answer(argv)
    except (OSError, ValueError, UnicodeError):
        return None


def _answer(argv: list[str]) -> tuple[int, str] | None:
    root = entry.preferred_root()
    key = _key(argv)
    record = buildrecord.load(root, key)
    if record is None:
        return UNRECORDED
    if not record.outputs:
        return None
    if not all(map(buildrecord.absent, record.absent)):
        return None
    if any(buildrecord.stamp(path) != stamp for path, stamp in record.inputs.items()):
        return None
    if any(os.path.realpath(path) != real for path, real in record.resolved.items()):
        return None  # the output directory is another one now (a symlink changed)
    with lockfile.locked(record.lock):
        stale = [o for o in record.outputs if buildrecord.stamp(o.path) != o.stamp]
        writes: list[tuple[str, bytes]] = []
        for output in stale:
            data = output.cached(root)
            if data is None:
                return None  # evicted from the cache: rendered again the whole way
            writes.append((output.path, data))
        directories = {os.path.dirname(o.path) for o in stale}
        for directory in sorted(directories):
            os.makedirs(directory, exist_ok=True)
        outcomes = atomic.write_many(writes)
        if any(isinstance(outcome, OSError) for outcome in outcomes):
            return None  # the whole way names the file it cannot write
        written = [o.shown for o, outcome in zip(stale, outcomes, strict=True) if outcome]
        for output in stale:
            output.stamp = buildrecord.stamp(output.path)
        if stale:
            buildrecord.save(root, key, record)
    lines = [f"  wrote {shown}\n" for shown in written if shown]
    unchanged = len(record.outputs) - len(written)
    lines.append(f"syscalltbl build: {len(written)} written, {unchanged} unchanged, 0 failed\n")
    return 0, "".join(lines)
