"""The in-memory filesystem's size and inode limits, and RAM for its data (mm/shmem.c's accounting).

A file is charged for its allocated blocks (kernel/blockmap.py: the pages
written, fallocated or touched through a mapping; a hole costs nothing, as
on tmpfs): the charge bounds what the host holds for it, a page of host
memory or, once mapped, a frame of RAM paid from this same charge
(kernel/pagecache.py). The charge is
taken from the filesystem's size and from RAM, as tmpfs pages are RAM: what
files hold, no process can map, and the host holds about guest RAM in all.
A charge lasts as long as the file's data does (an unlinked file still open
keeps it), and ends when the host frees the file.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.uapi.errno import ENOSPC, Errno
from syscalltbl.store.record import Value


def pages(length: int) -> int:
    return -(-length // PAGE_SIZE)


class Charge(Value):
    """What one file holds: pages of data (and, for every inode, one inode)."""

    pages: int
    #: What lets go of the file's frames (its page cache) before the charge ends.
    release: Callable[[], None] | None

    __slots__ = _fields = ("pages", "release")

    def __init__(self, pages: int = 0, release: Callable[[], None] | None = None) -> None:
        self.pages = pages
        self.release = release


class Space:
    """size= and nr_inodes= of one tmpfs, drawing its pages from RAM (or from nothing: `ram` None)."""

    def __init__(self, size: int, inodes: int, ram: PhysicalMemory | None = None) -> None:
        self.size_pages = size // PAGE_SIZE
        self.max_inodes = inodes
        self.ram = ram
        self.used_pages = 0
        self.used_inodes = 0

    @property
    def free_pages(self) -> int:
        return max(self.size_pages - self.used_pages, 0)

    def new_inode(self, owner: object, *, seeded: bool = False) -> Charge:
        """An inode for `owner`, whose data and inode are given back when the host frees it.

        ENOSPC past nr_inodes; a `seeded` one (the host tree copied in at boot) is counted but never refused.
        """
        if not seeded and self.used_inodes >= self.max_inodes:
            raise Errno(ENOSPC)
        self.used_inodes += 1
        charge = Charge()
        # Not at the interpreter's exit: RAM goes with the machine then, files still mapped or not.
        weakref.finalize(owner, self._release, charge).atexit = False
        return charge

    def link(self) -> None:
        """A second name for a file counts as an inode, as shmem_link reserves one (ENOSPC past nr_inodes)."""
        if self.used_inodes >= self.max_inodes:
            raise Errno(ENOSPC)
        self.used_inodes += 1

    def unlink(self) -> None:
        """A name of a file that keeps another goes."""
        self.used_inodes -= 1

    def grow(self, charge: Charge, wanted: int, *, seeded: bool = False) -> int:
        """Charge a file for `wanted` pages in all: how many it may hold, at least what it held.

        Fewer than wanted when the filesystem is full (or RAM is): the caller
        writes what fits and says ENOSPC if nothing did. `seeded` (the boot's
        copy of --root) is charged whatever it costs, RAM permitting.
        """
        more = wanted - charge.pages
        if more <= 0:
            return wanted
        if not seeded:
            more = min(more, self.free_pages)
        if self.ram is not None:
            available = self.ram.frames - self.ram.frames_in_use - self.ram.reserved
            more = min(more, max(available, 0))
            self.ram.reserve(more)
        self.used_pages += more
        charge.pages += more
        return charge.pages

    def shrink(self, charge: Charge, wanted: int) -> None:
        less = charge.pages - wanted
        if less > 0:
            self._give_back(less)
            charge.pages = wanted

    def _release(self, charge: Charge) -> None:
        if charge.release is not None:
            charge.release()  # frames back into the reservation, which goes next
        self.used_inodes -= 1
        self._give_back(charge.pages)
        charge.pages = 0

    def _give_back(self, count: int) -> None:
        self.used_pages -= count
        if self.ram is not None:
            self.ram.unreserve(count)
