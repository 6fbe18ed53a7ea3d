"""What the runtime reads of an entry of a generated sys_call_table (pylib.py's Entry, kbuild's Ia32Entry)."""

from __future__ import annotations

from typing import Protocol


class TableEntry(Protocol):
    """What the runtime reads of a generated sys_call_table entry."""

    @property
    def number(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def entry_point(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def prototype(self) -> str | None: ...
    @property
    def noreturn(self) -> bool: ...
