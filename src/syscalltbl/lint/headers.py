"""Prototype headers, read from any directory laid out like a kernel tree (versions: tables/tree.py).

Used for a kernel tree (`--tree`), for installed kernel headers (`--headers`,
e.g. Debian's linux-headers-*-common) and for headers a project keeps in arch/.
"""

from __future__ import annotations

import re
from pathlib import Path

from syscalltbl.tables.limits import read_bounded
from syscalltbl.tables.prototype_model import PrototypeFile

#: Where the kernel declares syscall entry points (Documentation/process/adding-syscalls.rst).
GENERIC_HEADERS = ("include/linux/syscalls.h", "include/linux/compat.h")
ARCH_HEADER_GLOB = "arch/*/include/asm/syscalls*.h"


def header_paths(root: Path) -> list[str]:
    """Kernel paths of the prototype headers present under `root`."""
    found = [p for p in GENERIC_HEADERS if (root / p).is_file()]
    found.extend(sorted(str(p.relative_to(root)) for p in root.glob(ARCH_HEADER_GLOB) if p.is_file()))
    return found


def read_headers(root: Path, shown_root: str) -> tuple[PrototypeFile, ...]:
    """Every prototype header under `root`; locations name files as `shown_root`/kernel path."""
    return tuple(parse_header(root / path, shown_path(shown_root, path)) for path in header_paths(root))


def shown_path(shown_root: str, kernel_path: str) -> str:
    """How read_headers names the header `kernel_path` of a tree shown as `shown_root`."""
    return _join(shown_root, kernel_path)


def parse_header(file: Path, shown: str) -> PrototypeFile:
    """One header, through the cache: parsing syscalls.h costs tens of milliseconds."""
    from syscalltbl.tables.read import load_prototype_file

    return load_prototype_file(read_bounded(file, header=True), shown)


def _join(root: str, path: str) -> str:
    return path if root in ("", ".") else f"{root.rstrip('/')}/{path}"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))
