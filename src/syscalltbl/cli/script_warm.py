"""`syscalltbl script` answered from the cache, importing nothing but os, sys and the store's basics.

A drop-in is run once per output by the kernel build, so its cost is the
interpreter's start-up plus its imports. A first call with some arguments
goes the whole way (cli/main.py: parse the arguments as the kernel script
does, read, parse and render the table) and records two cache entries: its
parsed arguments, under the code fingerprint and the argument list, and (as
every render does) its output, under the code fingerprint, the parsed
arguments and the table's bytes. A later call with the same arguments needs
only those: it reads the table, looks the output up and writes it if its
bytes changed (or, with --touch-unchanged, gives it a new mtime when they did
not). Anything else (no entry, standard input or output, --help, a table
over the size limit, a missing output directory, an error of any kind) goes
the whole way, which reports it as it always has.
"""

from __future__ import annotations

import os

from syscalltbl.generators.code_files import code_fingerprint
from syscalltbl.store import atomic, entry
from syscalltbl.tables.limits import TABLE_BYTES_LIMIT

TYPE_CHECKING = False  # not typing: see the module docstring
if TYPE_CHECKING:
    from syscalltbl.generators.scripts import Job

_KIND = "script-args"


def _key(fingerprint: str, argv: list[str]) -> str:
    return entry.digest(_KIND, fingerprint, repr(argv))


def remember(argv: list[str], job: Job) -> None:
    """After a successful call that read a table file and wrote OUTFILE: record what `argv` means."""
    if job.input is None or job.output is None or not entry.enabled():
        return
    parts = (job.input, job.output, repr(job))
    record = "\0".join(parts).encode("utf-8", "surrogateescape")
    entry.write(entry.preferred_root(), _KIND, _key(code_fingerprint(), argv), record)


def answer(argv: list[str]) -> int | None:
    """Exit status 0 when the cache held the answer and OUTFILE holds it now; None to go the whole way."""
    # The README's wrappers pass --touch-unchanged before TOOL (generators/scripts.py's TOUCH_UNCHANGED).
    touch_unchanged = argv[:1] == ["--touch-unchanged"]
    if touch_unchanged:
        argv = argv[1:]
    if not argv or argv[0].startswith("-") or not entry.enabled():
        return None
    try:
        return _answer(argv, touch_unchanged)
    except (OSError, ValueError, UnicodeError):
        return None


def _answer(argv: list[str], touch_unchanged: bool) -> int | None:
    fingerprint = code_fingerprint()
    root = entry.preferred_root()
    record = entry.read(root, _KIND, _key(fingerprint, argv))
    if record is None:
        return None
    table, output, job = record.decode("utf-8", "surrogateescape").split("\0")
    with open(table, "rb") as handle:
        data = handle.read(TABLE_BYTES_LIMIT + 1)
    if len(data) > TABLE_BYTES_LIMIT:
        return None
    text = entry.read(root, "output", entry.digest("output", fingerprint, job, data))
    if text is None or not os.path.isdir(os.path.dirname(output) or "."):
        return None
    if not atomic.write_if_changed(output, text) and touch_unchanged:
        atomic.refresh(output, text)
    return 0
