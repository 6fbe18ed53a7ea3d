"""Table bytes in, output bytes out, through the cache when it can answer."""

from __future__ import annotations

import pickle

from syscalltbl import cache
from syscalltbl.model import Table
from syscalltbl.scripts import Job


def load_table(data: bytes, path: str) -> Table:
    """The parsed model of `data`; `path` is how its locations name the file."""
    key = cache.digest("model", cache.code_fingerprint(), path, data)
    blob = cache.get("model", key) if cache.enabled() else None
    if blob is not None:
        try:
            table = pickle.loads(blob)
            if isinstance(table, Table):
                return table
        except Exception:  # noqa: BLE001 - any unreadable entry is simply rebuilt
            pass
    from syscalltbl.tblparse import parse_bytes

    table = parse_bytes(data, path)
    if cache.enabled():
        cache.put("model", key, pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
    return table


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
