"""ABI selection exactly as the kernel's scripts do it.

The scripts turn `--abis common,64` into the extended regex
`^[0-9]+[[:space:]]+(common|64)` and match it against each line, so an ABI
is selected when its column *starts with* one of the listed names: `64`
also selects `64bit`, and an empty name (`--abis ''`) selects every line.
We reproduce that prefix rule; the linter is where it gets flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from syscalltbl.tables.errors import UsageError

if TYPE_CHECKING:
    from syscalltbl.tables.model import Entry

_ABI_NAME = re.compile(r"[A-Za-z0-9_]*")


def parse_abi_list(text: str) -> tuple[str, ...]:
    """`common,64` -> ("common", "64"); regex syntax is refused, not half-supported."""
    names = tuple(text.split(","))
    for name in names:
        if not _ABI_NAME.fullmatch(name):
            raise UsageError(
                f"invalid ABI name {name!r} in {text!r}: ABI names are letters, digits and underscores"
            )
    return names


def selects(abis: tuple[str, ...] | None, abi: str) -> bool:
    """Whether the kernel's ABI regex for `abis` matches an entry of ABI `abi`."""
    return abis is None or abi.startswith(abis)  # a tuple: any of its prefixes


def select(entries: Iterable[Entry], abis: tuple[str, ...] | None) -> Iterator[Entry]:
    """The entries the kernel's scripts would keep, in file order."""
    if abis is None:
        return iter(entries)
    # selects() inlined: a build calls this for every entry of every output.
    return (e for e in entries if e.abi.startswith(abis))
