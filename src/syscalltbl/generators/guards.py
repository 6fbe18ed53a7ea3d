"""Include guards, derived from an output's file name as the kernel scripts do."""

from __future__ import annotations

import re

_NOT_GUARD_CHAR = re.compile(r"[^A-Z0-9_]")


def basename(path: str) -> str:
    """POSIX basename(1): trailing slashes are ignored, `/` stays `/`."""
    stripped = path.rstrip("/")
    if not stripped:
        return "/" if path else ""
    return stripped.rsplit("/", 1)[-1]


def normalize(text: str) -> str:
    """sed -e 'y/a-z/A-Z/' -e 's/[^A-Z0-9_]/_/g' -e 's/__/_/g' (one pass each)."""
    upper = text.translate(_UPPER)
    return _NOT_GUARD_CHAR.sub("_", upper).replace("__", "_")


_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def guard(prefix: str, output_path: str) -> str:
    """`_UAPI_ASM_` + `unistd_64.h` -> `_UAPI_ASM_UNISTD_64_H`."""
    return prefix + normalize(basename(output_path))
