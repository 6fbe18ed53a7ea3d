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
from syscalltbl.store.record import Value

#: What one attribute costs beside its name and value: struct simple_xattr (rb node, name pointer, size).
ENTRY_BYTES: Final = 48


def _cost(name: bytes, value: bytes) -> int:
    return ENTRY_BYTES + len(name) + 1 + len(value)


class Charge(Value):
    """The bytes of kernel objects an inode's attributes hold, and the RAM they are charged to (weakly:
    the charge outlives nothing, and must not keep the machine alive from a finalizer)."""

    ram: weakref.ref[PhysicalMemory] | None
    bytes: int

    __slots__ = _fields = ("ram", "bytes")

    def __init__(self, ram: weakref.ref[PhysicalMemory] | None, bytes: int = 0) -> None:
        self.ram = ram
        self.bytes = bytes

    def add(self, delta: int) -> None:
        ram = self.ram() if self.ram is not None else None
        self.bytes += delta
        if ram is not None:
            ram.slab_charge(delta)

    def fits(self, delta: int) -> bool:
        ram = self.ram() if self.ram is not None else None
        return ram is None or ram.slab_fits(delta)


def _release(charge: Charge) -> None:
    charge.add(-charge.bytes)


class Xattrs:
    """name -> value, in the order they were made, and their charge."""

    __slots__ = ("charge", "values")

    def __init__(self, ram: PhysicalMemory | None) -> None:
        self.values: dict[bytes, bytes] = {}
        self.charge = Charge(weakref.ref(ram) if ram is not None else None)

    @classmethod
    def of(cls, owner: object, ram: PhysicalMemory | None) -> Xattrs:
        """A new, empty set for `owner`, whose charge ends when the host frees the owner."""
        made = cls(ram)
        # Not at the interpreter's exit: RAM goes with the machine then.
        weakref.finalize(owner, _release, made.charge).atexit = False
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
        if delta > 0 and not self.charge.fits(delta):
            raise Errno(ENOSPC)
        self.charge.add(delta)
        if value is None:
            del self.values[name]
        else:
            self.values[name] = value

    def names(self) -> list[bytes]:
        return list(self.values)
