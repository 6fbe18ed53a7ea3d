"""Table bytes in, output bytes out, through the cache when it can answer."""

from __future__ import annotations

from functools import cache as memoize
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.generators import code_files
from syscalltbl.store import cache
from syscalltbl.tables.read import load_table

if TYPE_CHECKING:  # the machine's start-up imports this module for code_fingerprint alone
    from syscalltbl.generators.scripts import Job


def code_sources() -> list[Path]:
    """The parser and every renderer, template and script driver: what an output is made by."""
    return [Path(p) for p in code_files.code_files()]


@memoize
def code_fingerprint() -> str:
    """Hash of the grammar, model, renderers and templates: any edit invalidates every entry."""
    return code_files.code_fingerprint()


def output_key(job: Job, data: bytes) -> str:
    return cache.digest("output", code_fingerprint(), repr(job), data)


def cached_output(job: Job, data: bytes) -> bytes | None:
    return cache.get("output", output_key(job, data)) if cache.enabled() else None


def render(job: Job, data: bytes, path: str, look_up: bool = True) -> bytes:
    """The job's output for table bytes `data`; raises SyscalltblError on bad input. `look_up` False:
    the caller has just found no cache entry (a build's render worker), so only one is made."""
    from syscalltbl.tables.limits import check_size

    check_size(len(data), path)  # before hashing it: standard input is read whole
    key = output_key(job, data) if look_up and cache.enabled() else ""
    hit = cache.get("output", key) if key else None
    if hit is not None:
        return hit
    from syscalltbl.generators import scripts

    text = scripts.render(job, load_table(data, path)).encode("utf-8")
    if cache.enabled():
        # The key hashes the whole table: a render worker makes it after its results are back.
        cache.put_later("output", lambda: key or output_key(job, data), lambda: text)
    return text
