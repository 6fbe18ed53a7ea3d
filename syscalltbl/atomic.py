"""Writing outputs so that nothing is lost: whole files, and only when they change."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

_counter = itertools.count()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace `path` with `data` by an atomic rename; False if it already held exactly that."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    # A name no other writer uses (pid + counter), created exclusively, in the
    # target's directory so that the rename cannot cross file systems.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{next(_counter)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return True
