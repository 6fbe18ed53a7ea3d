"""One inode's extended attributes, as tmpfs keeps them (fs/xattr.c's simple_xattrs).

Names and values live in host memory, so each attribute is charged to the
machine's RAM as the kernel object it is on Linux (a struct simple_xattr
with its name and value): a guest that sets attributes until RAM is full
gets ENOSPC, as tmpfs says when its space for them is gone, and the charge
goes back when the attribute is replaced or removed, or its inode is freed.
"""

from __future__ import annotations

import weakref
from typing import Final

from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.uapi.errno import EEXIST, ENODATA, ENOSPC, Errno
from syscalltbl.machine.uapi.xattr import XATTR_CREATE, XATTR_REPLACE

#: What one attribute costs beside its name and value: struct simple_xattr (rb node, name pointer, size).
ENTRY_BYTES: Final = 48


def _cost(name: bytes, value: bytes) -> int:
    return ENTRY_BYTES + len(name) + 1 + len(value)


class Xattrs:
    """name -> value, in the order they were made; `charged`: the RAM its entries hold."""

    __slots__ = ("charged", "ram", "values")

    def __init__(self, ram: PhysicalMemory | None) -> None:
        self.values: dict[bytes, bytes] = {}
        self.ram = ram
        self.charged = 0

    @classmethod
    def of(cls, owner: object, ram: PhysicalMemory | None) -> Xattrs:
        """A new, empty set for `owner`, whose charge ends when the host frees the owner."""
        made = cls(ram)
        # Not at the interpreter's exit: RAM goes with the machine then.
        weakref.finalize(owner, made.release).atexit = False
        return made

    def get(self, name: bytes) -> bytes:
        value = self.values.get(name)
        if value is None:
            raise Errno(ENODATA)
        return value

    def set(self, name: bytes, value: bytes | None, flags: int) -> None:
        """simple_xattr_set: a value made or replaced, or (None) removed; XATTR_CREATE / XATTR_REPLACE as asked."""
        old = self.values.get(name)
        if old is not None and flags & XATTR_CREATE:
            raise Errno(EEXIST)
        if old is None and (flags & XATTR_REPLACE or value is None):
            raise Errno(ENODATA)
        delta = (_cost(name, value) if value is not None else 0) - (_cost(name, old) if old is not None else 0)
        if delta > 0 and self.ram is not None and not self.ram.slab_fits(delta):
            raise Errno(ENOSPC)
        self._charge(delta)
        if value is None:
            del self.values[name]
        else:
            self.values[name] = value

    def names(self) -> list[bytes]:
        return list(self.values)

    def release(self) -> None:
        self._charge(-self.charged)
        self.values.clear()

    def _charge(self, delta: int) -> None:
        self.charged += delta
        if self.ram is not None:
            self.ram.slab_charge(delta)
