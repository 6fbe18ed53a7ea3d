"""BPF maps (kernel/bpf/arraymap.c, kernel/bpf/hashtab.c, kernel/bpf/syscall.c's map fd): key/value stores
behind a descriptor, which only bpf(2)'s element commands read and write here (the machine runs no BPF
programs).

An array map holds max_entries zeroed values from the start, indexed by a
u32 key; a hash map holds at most max_entries keys. Both are charged to RAM's
kernel memory in full when made, as Linux preallocates them (a hash map made
with BPF_F_NO_PREALLOC is charged element by element), so no map outgrows the
machine.
"""

from __future__ import annotations

import itertools
import struct
from typing import Final

from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.bpf import (
    BPF_EXIST,
    BPF_F_ACCESS_MASK,
    BPF_F_NO_PREALLOC,
    BPF_F_NUMA_NODE,
    BPF_F_ZERO_SEED,
    BPF_MAP_TYPE_ARRAY,
    BPF_MAP_TYPE_HASH,
    BPF_NOEXIST,
)
from syscalltbl.machine.uapi.errno import E2BIG, EEXIST, EINVAL, ENOENT, ENOMEM, Errno
from syscalltbl.machine.uapi.poll import POLLERR

#: What each element costs beyond its key and value (struct htab_elem's header; an array's is none).
HTAB_ELEM_BYTES: Final = 48
#: What the map itself costs (struct bpf_map and its file).
MAP_BYTES: Final = 512
KMALLOC_MAX_SIZE: Final = 4 << 20  # SLUB's largest kmalloc: 2^(MAX_PAGE_ORDER + PAGE_SHIFT)
MAX_BPF_STACK: Final = 512
U32_MAX: Final = 2**32 - 1
_ARRAY_FLAGS: Final = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK
_HASH_FLAGS: Final = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED
_U32 = struct.Struct("<I")
_ids = itertools.count(1)  # map_idr


def _round8(n: int) -> int:
    return -(-n // 8) * 8


class BpfMap(Inode):
    """One map: its type, sizes, and the values; its charge is given back when the last descriptor closes."""

    def __init__(self, map_type: int, key_size: int, value_size: int, max_entries: int, map_flags: int,
                 map_extra: int, ram: PhysicalMemory | None) -> None:
        super().__init__(ANON_INODE_MODE)
        self.map_type, self.key_size, self.value_size = map_type, key_size, value_size
        self.max_entries, self.map_flags, self.map_extra = max_entries, map_flags, map_extra
        self.id = next(_ids)
        self.ram = ram
        self.elem_cost = HTAB_ELEM_BYTES + _round8(key_size) + _round8(value_size)
        self.preallocated = map_type == BPF_MAP_TYPE_ARRAY or not map_flags & BPF_F_NO_PREALLOC
        if map_type == BPF_MAP_TYPE_ARRAY:
            self.charged = MAP_BYTES + max_entries * _round8(value_size)
        else:
            self.charged = MAP_BYTES + (max_entries * self.elem_cost if self.preallocated else 0)
        if not self._charge(self.charged):
            raise Errno(ENOMEM)
        # The array's values live in one buffer, made when first written (until then all read zeros).
        self.array: bytearray | None = None
        self.hash: dict[bytes, bytes] = {}  # in insertion order: what GET_NEXT_KEY walks

    def _charge(self, size: int) -> bool:
        if self.ram is None:
            return True
        if size > 0 and not self.ram.slab_fits(size):
            return False
        self.ram.slab_charge(size)
        return True

    # -- the element commands (map->ops) --

    def _index(self, key: bytes) -> int:
        return int(_U32.unpack(key)[0])

    def lookup(self, key: bytes) -> bytes:
        if self.map_type == BPF_MAP_TYPE_ARRAY:
            index = self._index(key)
            if index >= self.max_entries:
                raise Errno(ENOENT)
            if self.array is None:
                return bytes(self.value_size)
            start = index * self.value_size
            return bytes(self.array[start:start + self.value_size])
        value = self.hash.get(key)
        if value is None:
            raise Errno(ENOENT)
        return value

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        if self.map_type == BPF_MAP_TYPE_ARRAY:  # array_map_update_elem
            if flags & ~0xFFFFFFFF or flags & 0xFF > BPF_EXIST:
                raise Errno(EINVAL)
            index = self._index(key)
            if index >= self.max_entries:
                raise Errno(E2BIG)
            if flags & 0xFF == BPF_NOEXIST:
                raise Errno(EEXIST)  # every element of an array exists
            if self.array is None:
                self.array = bytearray(self.max_entries * self.value_size)
            start = index * self.value_size
            self.array[start:start + self.value_size] = value
            return
        if flags & 0xFF > BPF_EXIST:  # htab_map_update_elem
            raise Errno(EINVAL)
        exists = key in self.hash
        if flags == BPF_NOEXIST and exists:
            raise Errno(EEXIST)
        if flags == BPF_EXIST and not exists:
            raise Errno(ENOENT)
        if not exists:
            if len(self.hash) >= self.max_entries:
                raise Errno(E2BIG)
            if not self.preallocated:
                if not self._charge(self.elem_cost):
                    raise Errno(ENOMEM)
                self.charged += self.elem_cost
        self.hash[key] = value

    def delete(self, key: bytes) -> None:
        if self.map_type == BPF_MAP_TYPE_ARRAY:
            raise Errno(EINVAL)  # array_map_delete_elem: an array's elements cannot go
        if self.hash.pop(key, None) is None:
            raise Errno(ENOENT)
        if not self.preallocated:
            self._charge(-self.elem_cost)
            self.charged -= self.elem_cost

    def next_key(self, key: bytes | None) -> bytes:
        if self.map_type == BPF_MAP_TYPE_ARRAY:  # array_map_get_next_key
            index = U32_MAX if key is None else self._index(key)
            if index >= self.max_entries:
                return _U32.pack(0)
            if index == self.max_entries - 1:
                raise Errno(ENOENT)
            return _U32.pack(index + 1)
        keys = list(self.hash)
        if key is None or key not in self.hash:  # htab_map_get_next_key: from the first
            if not keys:
                raise Errno(ENOENT)
            return keys[0]
        at = keys.index(key) + 1
        if at == len(keys):
            raise Errno(ENOENT)
        return keys[at]

    # -- the file --

    def poll(self, f: OpenFile) -> int:
        return POLLERR  # bpf_map_poll: a map type with no map_poll

    def release(self, f: OpenFile) -> None:
        self._charge(-self.charged)
        self.charged = 0
        self.array = None
        self.hash.clear()

    def memlock(self) -> int:
        """fdinfo's memlock: what the map's memory comes to, in whole pages as bpf_map_memory_footprint."""
        return -(-self.charged // 4096) * 4096

    def fdinfo(self) -> bytes:
        """bpf_map_show_fdinfo's lines."""
        return (b"map_type:\t%u\nkey_size:\t%u\nvalue_size:\t%u\nmax_entries:\t%u\nmap_flags:\t%#x\n"
                b"map_extra:\t%#x\nmemlock:\t%u\nmap_id:\t%u\nfrozen:\t0\n"
                % (self.map_type, self.key_size, self.value_size, self.max_entries, self.map_flags,
                   self.map_extra, self.memlock(), self.id))


def check_map_attr(map_type: int, key_size: int, value_size: int, max_entries: int, map_flags: int) -> None:
    """array_map_alloc_check and htab_map_alloc_check: EINVAL for a shape the type cannot have, E2BIG for
    one too large to allocate."""
    if map_type == BPF_MAP_TYPE_ARRAY:
        if max_entries == 0 or key_size != 4 or value_size == 0 or map_flags & ~_ARRAY_FLAGS:
            raise Errno(EINVAL)
        if value_size > KMALLOC_MAX_SIZE:
            raise Errno(E2BIG)
        if max_entries * _round8(value_size) >= U32_MAX - 4096:
            raise Errno(ENOMEM)
        return
    if map_type == BPF_MAP_TYPE_HASH:
        if map_flags & ~_HASH_FLAGS:
            raise Errno(EINVAL)
        if max_entries == 0 or key_size == 0 or value_size == 0:
            raise Errno(EINVAL)
        if key_size > MAX_BPF_STACK:
            raise Errno(E2BIG)
        if value_size >= KMALLOC_MAX_SIZE - MAX_BPF_STACK - HTAB_ELEM_BYTES:
            raise Errno(E2BIG)
        return
    raise Errno(EINVAL)  # a map type the machine does not have: find_and_alloc_map's EINVAL


