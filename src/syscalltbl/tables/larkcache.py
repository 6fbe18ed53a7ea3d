"""Lark parsers whose LALR tables are kept in the on-disk cache, shared safely between processes.

Lark's own `cache=` option rewrites its file in place, and its pickled tables
differ between processes (set order follows the hash seed). A build's render
workers start together with a cold cache: one could read the start of one
pickle and the rest of another, and get a parser with wrong tables, which
parses, then fails in a transformer on a tree the grammar cannot produce. Here
the file is replaced by one rename, so a reader has one whole pickle or none.

A parser can also ship its tables with the package (`shipped`, written by
ship()): Lark's own serialized form, keyed like the cache by the grammar, the
options and Lark's version (not Python's: the pickle holds only plain values,
which any Python 3 reads). With an empty cache they are copied into it rather
than built, which costs a cold build tens of milliseconds on its critical
path; when they are not this grammar's or this Lark's, the tables are built
as before.
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


def parser(grammar: str, cache_name: str, shipped: Path | None = None, **options: Any) -> lark.Lark:
    """`lark.Lark(grammar, **options)`, its tables loaded from the cache file `cache_name`, else copied
    there from the package's file `shipped` when that holds this grammar's, else built and saved there."""
    given_at_load = {name: value for name, value in options.items() if name in _GIVEN_AT_LOAD}
    saved_options = {name: value for name, value in options.items() if name not in _GIVEN_AT_LOAD}
    key = _key(grammar, saved_options)
    path = cachedir.path(cache_name)
    loaded = _load(path, key, given_at_load)
    if loaded is not None:
        cachebound.used(path)
        return loaded
    tables = _shipped_tables(shipped, grammar, saved_options)
    if tables is not None:
        loaded = _load_from(tables, given_at_load)
    if loaded is None or tables is None:
        loaded = lark.Lark(grammar, **options)
        saved = io.BytesIO()
        loaded.save(saved, exclude_options=_GIVEN_AT_LOAD)
        tables = saved.getvalue()
    with contextlib.suppress(OSError):  # a cache is never a reason to fail
        atomic.replace(path, key + b"\n" + tables)
        cachebound.added(path)
    return loaded


def ship(grammar: str, shipped: Path, **options: Any) -> None:
    """Write the package's file `shipped`: the LALR tables of `grammar` with `options`, as parser()
    reads them (run again after editing the grammar or moving to another Lark version)."""
    saved_options = {name: value for name, value in options.items() if name not in _GIVEN_AT_LOAD}
    saved = io.BytesIO()
    lark.Lark(grammar, **options).save(saved, exclude_options=_GIVEN_AT_LOAD)
    atomic.replace(shipped, _shipped_header(grammar, saved_options) + b"\n" + saved.getvalue())


def shipped_current(grammar: str, shipped: Path, **options: Any) -> bool:
    """Whether the package's file `shipped` holds the tables of `grammar` with `options` for this Lark."""
    saved_options = {name: value for name, value in options.items() if name not in _GIVEN_AT_LOAD}
    return _shipped_tables(shipped, grammar, saved_options) is not None


def _shipped_tables(shipped: Path | None, grammar: str, options: dict[str, Any]) -> bytes | None:
    """The pickled tables in the package's file, if they are this grammar's and this Lark's."""
    if shipped is None:
        return None
    try:
        with open(shipped, "rb") as handle:
            if handle.readline() != _shipped_header(grammar, options) + b"\n":
                return None
            return handle.read()
    except OSError:
        return None


def shipped_lark_version(shipped: Path) -> str:
    """The version of Lark that wrote the package's file `shipped` (its first word names it)."""
    with open(shipped, "rb") as handle:
        return handle.readline().split()[1].decode("ascii")


def _shipped_header(grammar: str, options: dict[str, Any]) -> bytes:
    """The shipped file's first line: Lark's version in plain text (another Lark builds its own
    tables), then the key over the grammar, the options and that version."""
    return b"lark " + lark.__version__.encode("ascii") + b" " + _key(grammar, options, python=False)


def _key(grammar: str, options: dict[str, Any], python: bool = True) -> bytes:
    described = repr(sorted((name, repr(value)) for name, value in options.items()))
    text = "\0".join((grammar, described, lark.__version__, sys.version if python else ""))
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def _load(path: Path, key: bytes, given_at_load: dict[str, Any]) -> lark.Lark | None:
    try:
        with open(path, "rb") as handle:
            if handle.readline() != key + b"\n":
                return None  # another grammar, Lark or Python: built again and replaced
            data = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
    return _lark_from(data, given_at_load)


def _load_from(tables: bytes, given_at_load: dict[str, Any]) -> lark.Lark | None:
    try:
        data = pickle.loads(tables)
    except (EOFError, ValueError, pickle.UnpicklingError):
        return None
    return _lark_from(data, given_at_load)


def _lark_from(data: Any, given_at_load: dict[str, Any]) -> lark.Lark | None:
    # Lark.load() takes no options; _load is the method Lark's own cache loads with.
    try:
        return lark.Lark.__new__(lark.Lark)._load(data, **given_at_load)
    except (KeyError, TypeError, ValueError, AttributeError, lark.exceptions.LarkError):
        return None  # a file this Lark did not write, though its key matches
