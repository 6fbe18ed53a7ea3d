"""Lark parsers whose LALR tables are kept in the on-disk cache, shared safely between processes.

Lark's own `cache=` option rewrites its file in place, and its pickled tables
differ between processes (set order follows the hash seed). A build's render
workers start together with a cold cache: one could read the start of one
pickle and the rest of another, and get a parser with wrong tables, which
parses, then fails in a transformer on a tree the grammar cannot produce. Here
the file is replaced by one rename, so a reader has one whole pickle or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import pickle
import sys
from pathlib import Path
from typing import Any

import lark

from syscalltbl.store import atomic, cachebound, cachedir

# Objects of this process (callbacks, a transformer): not saved, given again at each load.
_GIVEN_AT_LOAD = frozenset({"transformer", "lexer_callbacks", "postlex"})


def parser(grammar: str, cache_name: str, **options: Any) -> lark.Lark:
    """`lark.Lark(grammar, **options)`, its tables loaded from, or saved to, the cache file `cache_name`."""
    given_at_load = {name: value for name, value in options.items() if name in _GIVEN_AT_LOAD}
    key = _key(grammar, {name: value for name, value in options.items() if name not in _GIVEN_AT_LOAD})
    path = cachedir.path(cache_name)
    loaded = _load(path, key, given_at_load)
    if loaded is not None:
        cachebound.used(path)
        return loaded
    built = lark.Lark(grammar, **options)
    saved = io.BytesIO()
    saved.write(key + b"\n")
    built.save(saved, exclude_options=_GIVEN_AT_LOAD)
    with contextlib.suppress(OSError):  # a cache is never a reason to fail
        atomic.replace(path, saved.getvalue())
        cachebound.added(path)
    return built


def _key(grammar: str, options: dict[str, Any]) -> bytes:
    described = repr(sorted((name, repr(value)) for name, value in options.items()))
    text = "\0".join((grammar, described, lark.__version__, sys.version))
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def _load(path: Path, key: bytes, given_at_load: dict[str, Any]) -> lark.Lark | None:
    try:
        with open(path, "rb") as handle:
            if handle.readline() != key + b"\n":
                return None  # another grammar, Lark or Python: built again and replaced
            data = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    # Lark.load() takes no options; _load is the method Lark's own cache loads with.
    try:
        return lark.Lark.__new__(lark.Lark)._load(data, **given_at_load)
    except (KeyError, TypeError, ValueError, AttributeError, lark.exceptions.LarkError):
        return None  # a file this Lark did not write, though its key matches
