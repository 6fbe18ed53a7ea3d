"""The shipped arch/tables.toml, parsed ahead of time and shipped beside it.

A cold build reads tables.toml with an empty cache: tomllib's import and its
parse of the 26 KB file are 10-20 ms of the planning process, which the
render worker waits on. The package ships tomllib's result for the shipped
file (marshal, as the cache keeps it), headed by the cache key of the bytes
it was parsed from; only a file with exactly those bytes (the shipped one, or
a project's unedited copy) is answered from it, any other goes to tomllib.
ship() writes it again after tables.toml is edited (tests/test_cache.py fails
until it is).
"""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

from syscalltbl.tables import shipped

#: tomllib's dict of the shipped tables.toml, headed by its key (store/cache.py's digest of the bytes).
SHIPPED = Path(__file__).resolve().parent / "tables.toml.marshal"


def lookup(key: str) -> dict[str, Any] | None:
    """The shipped parse, if it was made from the bytes that `key` names; else None."""
    try:
        blob = SHIPPED.read_bytes()
    except OSError:
        return None
    header, _, body = blob.partition(b"\n")
    if header != key.encode():
        return None
    try:
        data = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def ship() -> None:
    """Write SHIPPED from the shipped tables.toml."""
    import tomllib

    from syscalltbl.store import atomic, cache

    raw = (shipped.arch() / "tables.toml").read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    atomic.replace(SHIPPED, cache.digest("toml", raw).encode() + b"\n" + marshal.dumps(data))
