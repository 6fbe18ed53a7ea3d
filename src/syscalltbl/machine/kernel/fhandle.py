"""File handles of the machine's filesystem (mm/shmem.c's shmem_encode_fh / shmem_fh_to_dentry).

A handle is three 32-bit words, as tmpfs makes them: the inode's generation
(a random number given the first time a handle is made for it) and its
inode number. Decoding finds the inode among those a handle was made for,
which the machine still holds (named, or open): a handle of a file gone, or
made on another machine, is stale.
"""

from __future__ import annotations

import random
import struct
import weakref
from typing import Final

from syscalltbl.machine.kernel.vfs import FileSystem, Inode

HANDLE: Final = struct.Struct("<III")  # generation, inode number's low and high halves
HANDLE_DWORDS: Final = HANDLE.size // 4


class HandleTable:
    """The inodes a handle was made for, by number, and their generations (weakly: a handle holds nothing)."""

    def __init__(self) -> None:
        self.by_ino: weakref.WeakValueDictionary[int, Inode] = weakref.WeakValueDictionary()
        self.generation: weakref.WeakKeyDictionary[Inode, int] = weakref.WeakKeyDictionary()
        #: The path the handle was made by: what /proc/PID/fd shows of a file opened by it.
        self.path: weakref.WeakKeyDictionary[Inode, bytes] = weakref.WeakKeyDictionary()

    def encode(self, inode: Inode, path: bytes) -> bytes:
        self.path[inode] = path
        gen = self.generation.get(inode)
        if gen is None:
            gen = self.generation[inode] = random.getrandbits(32)
        self.by_ino[inode.ino] = inode
        return HANDLE.pack(gen, inode.ino & 0xFFFFFFFF, inode.ino >> 32 & 0xFFFFFFFF)

    def decode(self, handle: bytes) -> Inode | None:
        """The inode, while the machine holds it (shmem_fh_to_dentry finds it in the inode cache, a file
        unlinked but open as well); None: ESTALE."""
        if len(handle) < HANDLE.size:
            return None
        gen, low, high = HANDLE.unpack_from(handle)
        inode = self.by_ino.get(low | high << 32)
        if inode is None or self.generation.get(inode) != gen:
            return None
        return inode


_tables: weakref.WeakKeyDictionary[FileSystem, HandleTable] = weakref.WeakKeyDictionary()


def handles_of(fs: FileSystem) -> HandleTable:
    """The filesystem's handle table: each machine's handles are its own."""
    table = _tables.get(fs)
    if table is None:
        table = _tables[fs] = HandleTable()
    return table
