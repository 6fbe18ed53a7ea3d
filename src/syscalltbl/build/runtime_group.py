"""The runtime output group of `syscalltbl build`: the emulated x86-64 machine's generated sources.

Which entries the machine implements decides the table's stubs, so the set
comes from the machine's registry; the result is cached like a kernel output:
keyed by the target's table, i386 table and prototype header and every source
file the rendering reads.
"""

from __future__ import annotations

import marshal
from pathlib import Path

from syscalltbl.generators.generate import code_fingerprint
from syscalltbl.store import cache
from syscalltbl.tables import target as target_module
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.read import load_table, prototype_parser_sources, read_input
from syscalltbl.tables.target import ABIS, X86_64Target

__all__ = ["ABIS", "i386_entries", "inputs_key", "outputs"]

def _runtime_sources() -> list[Path]:
    """The prototype parser, the target's rules, and the machine (its registry decides which entries
    are implemented)."""
    machine = Path(__file__).resolve().parents[1] / "machine"
    return [*prototype_parser_sources(), Path(target_module.__file__ or ""), *sorted(machine.rglob("*.py"))]


def i386_entries(target: X86_64Target, recorded: dict[str, str]) -> dict[str, str]:
    """{"sha": the i386 table's SHA-256, "entries": a digest of its entries}; the entries are
    only parsed again when the bytes differ from the `recorded` ones."""
    path = target.table_32
    data = read_input(str(path))
    sha = cache.sha256_hex(data)
    if recorded.get("sha") == sha and recorded.get("entries"):
        return {"sha": sha, "entries": recorded["entries"]}
    rows = [
        (e.number, e.abi, e.name, e.entry_point, e.compat_entry_point, e.noreturn)
        for e in load_table(data, str(path)).entries
    ]
    return {"sha": sha, "entries": cache.digest(repr(rows))}


def inputs_key(target: X86_64Target, i386: dict[str, str]) -> str:
    """Everything the runtime group reads but the 64-bit table (which the build's graph
    follows entry by entry): prototypes, the i386 entries, and the code that renders."""
    parts: list[bytes | str] = ["runtime", code_fingerprint(), i386["entries"]]
    for path in (target.prototypes, *_runtime_sources()):
        try:
            parts += [path.name, path.read_bytes()]
        except OSError as exc:
            raise SyscalltblError(f"cannot read: {exc.strerror}", path=str(path)) from None
    return cache.digest(*parts)


def _key(target: X86_64Target) -> str:
    data = read_input(str(target.table))
    return cache.digest(inputs_key(target, i386_entries(target, {})), data)


def outputs(target: X86_64Target) -> list[tuple[str, bytes | SyscalltblError]]:
    """(path under OUTDIR, bytes) for every runtime output."""
    entry_key = _key(target)
    blob = cache.get("runtime", entry_key) if cache.enabled() else None
    if blob is not None:
        try:
            loaded = marshal.loads(blob)
            return [(str(path), bytes(data)) for path, data in loaded]
        except (EOFError, ValueError, TypeError):
            pass
    from syscalltbl.generators.x86_64.outputs import runtime_outputs
    from syscalltbl.machine.syscalls import REGISTRY  # which entries the machine implements

    rendered = runtime_outputs(target, REGISTRY)
    if cache.enabled():
        cache.put("runtime", entry_key, marshal.dumps([(path, data) for path, data in rendered]))
    return [(path, data) for path, data in rendered]
