"""Table bytes in, output bytes out, through the cache when it can answer."""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING

from syscalltbl import cache
from syscalltbl.scripts import Job

if TYPE_CHECKING:
    from syscalltbl.model import Table

# Tables already loaded by this process: one table feeds many outputs.
_loaded: dict[str, Table] = {}


def _model_key(path: str, data_sha: str) -> str:
    return cache.digest("model", cache.code_fingerprint(), path, data_sha)


def cached_model(path: str, data_sha: str) -> Table | None:
    """A model parsed earlier from bytes with this SHA-256, if the cache still holds it."""
    from syscalltbl.model import Table

    blob = cache.get("model", _model_key(path, data_sha)) if cache.enabled() else None
    if blob is None:
        return None
    try:
        table = pickle.loads(blob)
    except Exception:
        return None
    return table if isinstance(table, Table) else None


def load_table(data: bytes, path: str) -> Table:
    """The parsed model of `data`; `path` is how its locations name the file."""
    from syscalltbl.model import Table

    key = _model_key(path, cache.sha256_hex(data))
    if key in _loaded:
        return _loaded[key]
    blob = cache.get("model", key) if cache.enabled() else None
    table = None
    if blob is not None:
        try:
            table = pickle.loads(blob)
        except Exception:
            table = None
    if not isinstance(table, Table):
        from syscalltbl.tblparse import parse_bytes

        table = parse_bytes(data, path)
        if cache.enabled():
            cache.put("model", key, pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
    _loaded[key] = table
    return table


def read_input(path: str) -> bytes:
    """A table's bytes, or a one-line error naming the file."""
    from syscalltbl.errors import SyscalltblError

    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise SyscalltblError("no such file", path=path) from None
    except IsADirectoryError:
        raise SyscalltblError("is a directory, expected a syscall table", path=path) from None
    except OSError as exc:
        raise SyscalltblError(f"cannot read: {exc.strerror}", path=path) from None


def output_key(job: Job, data: bytes) -> str:
    return cache.digest("output", cache.code_fingerprint(), repr(job), data)


def cached_output(job: Job, data: bytes) -> bytes | None:
    return cache.get("output", output_key(job, data)) if cache.enabled() else None


def render(job: Job, data: bytes, path: str) -> bytes:
    """The job's output for table bytes `data`; raises SyscalltblError on bad input."""
    hit = cached_output(job, data)
    if hit is not None:
        return hit
    from syscalltbl import scripts

    text = scripts.render(job, load_table(data, path)).encode("utf-8")
    if cache.enabled():
        cache.put("output", output_key(job, data), text)
    return text
