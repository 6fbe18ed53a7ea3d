"""Where the headers declaring syscall entry points are: in a kernel tree, and in a project.

`show` prints prototypes from them; a kernel tree's own (`--tree`) or a
linux-headers package (`--headers`) lay them out as the kernel does, a
project keeps copies under its arch/ directory, which mirrors the kernel's.
"""

from __future__ import annotations

from pathlib import Path

#: Headers declaring entry points, relative to a kernel tree (or a headers package).
TREE_HEADERS = ("include/linux/syscalls.h", "include/linux/compat.h", "arch/*/include/asm/syscalls.h")
#: The same, relative to a project's arch/ directory, plus the headers the project
#: writes itself for its runtime (arch/x86/include/syscalls_64.h).
PROJECT_HEADERS = (
    "include/linux/syscalls.h",
    "include/linux/compat.h",
    "*/include/asm/syscalls.h",
    "*/include/syscalls_*.h",
)


def prototype_headers(tree: Path, *, project: bool = False) -> list[Path]:
    """The prototype headers under `tree`, in a fixed order (generic first, then by architecture)."""
    found: list[Path] = []
    for pattern in PROJECT_HEADERS if project else TREE_HEADERS:
        found.extend(sorted(p for p in tree.glob(pattern) if p.is_file()))
    return found
