"""The runtime output group of `syscalltbl build`: the emulated x86-64 machine's generated sources.

Rendering imports the runtime (which entries it implements decide the table's
stubs), so the result is cached like a kernel output: keyed by the table, the
prototype header and every source file the rendering reads.
"""

from __future__ import annotations

import marshal
from pathlib import Path

from syscalltbl import cache, paths
from syscalltbl.errors import SyscalltblError

TABLE = Path("x86") / "entry" / "syscalls" / "syscall_64.tbl"
#: The ABIs of TABLE whose entries the runtime's outputs are made from (exact names, not prefixes).
ABIS = ("common", "64")
PROTOTYPES = Path("x86") / "include" / "syscalls_64.h"
#: The i386 table behind the int $0x80 entry path. Its entries (not its bytes: comments and
#: layout don't reach the outputs) are part of the inputs key.
TABLE_32 = Path("x86") / "entry" / "syscalls" / "syscall_32.tbl"


def _input(project_root: Path, relative: Path) -> Path:
    own = project_root / "arch" / relative
    return own if own.is_file() else paths.data_dir("arch") / relative


def _runtime_sources() -> list[Path]:
    package = Path(__file__).resolve().parent
    files = [package / "prototypes.py", package / "prototype_model.py"]
    files += sorted(paths.data_dir("kernel_runtime").rglob("*.py"))
    files += sorted(paths.data_dir("grammar").glob("*.lark"))
    return files


def table_file(project_root: Path) -> Path:
    """The x86-64 table the runtime group reads (the build's graph links its entries)."""
    return _input(project_root, TABLE)


def i386_entries(project_root: Path, recorded: dict[str, str]) -> dict[str, str]:
    """{"sha": the i386 table's SHA-256, "entries": a digest of its entries}; the entries are
    only parsed again when the bytes differ from the `recorded` ones."""
    from syscalltbl.generate import load_table, read_input

    path = _input(project_root, TABLE_32)
    data = read_input(str(path))
    sha = cache.sha256_hex(data)
    if recorded.get("sha") == sha and recorded.get("entries"):
        return {"sha": sha, "entries": recorded["entries"]}
    rows = [
        (e.number, e.abi, e.name, e.entry_point, e.compat_entry_point, e.noreturn)
        for e in load_table(data, str(path)).entries
    ]
    return {"sha": sha, "entries": cache.digest(repr(rows))}


def inputs_key(project_root: Path, i386: dict[str, str]) -> str:
    """Everything the runtime group reads but the 64-bit table (which the build's graph
    follows entry by entry): prototypes, the i386 entries, and the code that renders."""
    parts: list[bytes | str] = ["runtime", cache.code_fingerprint(), i386["entries"]]
    for path in (_input(project_root, PROTOTYPES), *_runtime_sources()):
        try:
            parts += [path.name, path.read_bytes()]
        except OSError as exc:
            raise SyscalltblError(f"cannot read: {exc.strerror}", path=str(path)) from None
    return cache.digest(*parts)


def key(project_root: Path) -> str:
    from syscalltbl.generate import read_input

    data = read_input(str(table_file(project_root)))
    return cache.digest(inputs_key(project_root, i386_entries(project_root, {})), data)


def outputs(project_root: Path) -> list[tuple[str, bytes | SyscalltblError]]:
    """(path under OUTDIR, bytes) for every runtime output."""
    entry_key = key(project_root)
    blob = cache.get("runtime", entry_key) if cache.enabled() else None
    if blob is not None:
        try:
            loaded = marshal.loads(blob)
            return [(str(path), bytes(data)) for path, data in loaded]
        except (EOFError, ValueError, TypeError):
            pass
    from syscalltbl.generators.x86_64.outputs import runtime_outputs

    rendered = runtime_outputs(project_root)
    if cache.enabled():
        cache.put("runtime", entry_key, marshal.dumps([(path, data) for path, data in rendered]))
    return [(path, data) for path, data in rendered]
