"""Table files in, models out: read a table's bytes, and parse them once (through the cache)."""

from __future__ import annotations

import os
from functools import cache as memoize
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.store import cache
from syscalltbl.tables.errors import SyscalltblError

if TYPE_CHECKING:
    # Imported where used: `syscalltbl script` with a warm cache reads bytes and
    # writes bytes, and must not pay for dataclasses or importlib.resources.
    from syscalltbl.tables.model import Table
    from syscalltbl.tables.prototype_model import PrototypeFile

#: Tables already loaded by this process, by (path, bytes): one table feeds many outputs, and the
#: bytes' hash is kept by the bytes object, so a table's second output hashes nothing again.
_loaded: dict[tuple[str, bytes], Table] = {}


def parser_sources() -> list[Path]:
    """The code and grammar that turn a table's bytes into its model."""
    from syscalltbl.tables.parser_files import table_parser_files

    return [Path(p) for p in table_parser_files()]


def prototype_parser_sources() -> list[Path]:
    """The code and grammar that turn a prototype header into its model (read without importing Lark)."""
    from syscalltbl.tables import shipped

    package = Path(__file__).resolve().parent
    own = ("prototypes", "prototype_model", "limits")
    grammars = (shipped.grammar("prototype_headers.lark"), shipped.grammar("prototypes.lark"))
    return [*(package / f"{name}.py" for name in own), *grammars]


@memoize
def parser_fingerprint() -> str:
    """Any edit of the parser, model or grammar invalidates every cached model."""
    return cache.fingerprint(parser_sources())


@memoize
def prototype_parser_fingerprint() -> str:
    """Any edit of the prototype parser, its model or grammar invalidates every cached prototype file."""
    return cache.fingerprint(prototype_parser_sources())


def read_input(path: str) -> bytes:
    """A table's bytes, or a one-line error naming the file (also when it is over the size limit)."""
    from syscalltbl.tables.limits import read_bounded

    try:
        return read_bounded(path)
    except FileNotFoundError:
        raise SyscalltblError("no such file", path=path) from None
    except IsADirectoryError:
        raise SyscalltblError("is a directory, expected a syscall table", path=path) from None
    except OSError as exc:
        raise SyscalltblError(f"cannot read: {exc.strerror}", path=path) from None


def parse_table(path: str | os.PathLike[str]) -> Table:
    """Parse the table file at `path` (no cache: the model names the file as given)."""
    from syscalltbl.tables.tblparse import parse_bytes

    name = os.fspath(path)
    return parse_bytes(read_input(name), name)


def _model_key(path: str, data_sha: str) -> str:
    return cache.digest("model", parser_fingerprint(), path, data_sha)


def _unpickle(blob: bytes | None) -> Table | None:
    if blob is None:
        return None
    import pickle

    from syscalltbl.tables.model import Table

    try:
        table = pickle.loads(blob)
    except Exception:
        return None
    return table if isinstance(table, Table) else None


def cached_model(path: str, data_sha: str) -> Table | None:
    """A model parsed earlier from bytes with this SHA-256, if the cache still holds it."""
    return _unpickle(cache.get("model", _model_key(path, data_sha)) if cache.enabled() else None)


def load_table(data: bytes, path: str) -> Table:
    """The parsed model of `data`; `path` is how its locations name the file."""
    from syscalltbl.tables.limits import check_size

    check_size(len(data), path)  # before hashing it: data may come from stdin, unbounded
    loaded = _loaded.get((path, data))
    if loaded is not None:
        return loaded
    key = _model_key(path, cache.sha256_hex(data))
    table = _unpickle(cache.get("model", key) if cache.enabled() else None)
    if table is None:
        from syscalltbl.tables.tblparse import parse_bytes

        parsed = table = parse_bytes(data, path)
        if cache.enabled():
            import pickle

            # Pickled when written: for a cold build's render worker, after its results are back.
            cache.put_later("model", lambda: key, lambda: pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    _loaded[path, data] = table
    return table


def load_prototype_file(data: bytes, shown: str) -> PrototypeFile:
    """The parsed model of a prototype header's bytes `data` (locations name it `shown`), through the cache:
    parsing syscalls.h with Lark costs tens of milliseconds, and importing Lark as many again."""
    import pickle

    from syscalltbl.tables.prototype_model import PrototypeFile

    key = cache.digest("prototypes", prototype_parser_fingerprint(), shown, data)
    if cache.enabled() and (blob := cache.get("prototypes", key)) is not None:
        try:
            loaded = pickle.loads(blob)
        except Exception:  # an entry from another version of the model: parse again
            loaded = None
        if isinstance(loaded, PrototypeFile):
            return loaded
    from syscalltbl.tables.prototypes import parse_prototypes

    parsed = parse_prototypes(shown, data.decode("utf-8", errors="replace"))
    if cache.enabled():
        cache.put("prototypes", key, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
    return parsed
