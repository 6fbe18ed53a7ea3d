"""4-level x86-64 page tables, written into the machine's RAM.

The emulated MMU (Unicorn with UC_TLB_CPU) walks these tables for every
access, so U/S, R/W and NX here are what isolates user from kernel.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from itertools import compress
from typing import Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.physmem import PhysicalMemory

PTE_P: Final = 1 << 0
PTE_RW: Final = 1 << 1
PTE_US: Final = 1 << 2
PTE_A: Final = 1 << 5
PTE_D: Final = 1 << 6
PTE_NX: Final = 1 << 63
PTE_ADDR: Final = 0x000FFFFFFFFFF000
# Intermediate levels allow everything and leaves decide, so one rule (the
# leaf's bits) governs each page; the gate page needs U/S on every level anyway.
_TABLE: Final = PTE_P | PTE_RW | PTE_US | PTE_A
_Q = struct.Struct("<Q")
KERNEL_HALF: Final = 256  # PML4 slots 256..511 map the kernel, shared by all
_TABLE_ENTRIES: Final = {n: struct.Struct(f"<{n}Q") for n in (KERNEL_HALF, 512)}
_SLOTS: Final = range(512)
_BIT0: Final = bytes(byte & PTE_P for byte in range(256))  # a byte -> its bit 0 (bytes.translate's table)


def _present(mem: bytearray | memoryview, table: int, slots: int) -> list[tuple[int, int]]:
    """(slot, entry) of the non-zero entries among a table's first `slots`: read in one go, since walking
    every process's tables (fork's copy, exit's teardown) is most of what a fork costs."""
    entries = _TABLE_ENTRIES[slots].unpack_from(mem, table)
    return [(slot, entries[slot]) for slot in compress(_SLOTS, entries)]  # the zeros skipped in C


class AddressSpace:
    """One PML4 and everything below it. `cr3` is its physical address."""

    def __init__(self, ram: PhysicalMemory, kernel: AddressSpace | None = None) -> None:
        self.ram = ram
        self.cr3 = ram.alloc()
        # The user half's tables as _walk makes them (none is freed before the whole space goes): the
        # last-level ones by the va their first entry maps, and the ones between those and the PML4.
        # fork's copy and exit's teardown go through these, not through a walk down from the PML4.
        self._leaf_tables: dict[int, int] = {}
        self._upper_tables: list[int] = []
        mem = ram.mem
        if kernel is None:
            # Preallocate the kernel half's PDPTs, so that kernel mappings made
            # later appear in every address space that copied these slots.
            for slot in range(KERNEL_HALF, 512):
                _Q.pack_into(mem, self.cr3 + 8 * slot, ram.alloc() | _TABLE)
        else:
            half = slice(self.cr3 + 8 * KERNEL_HALF, self.cr3 + PAGE_SIZE)
            mem[half] = mem[kernel.cr3 + 8 * KERNEL_HALF : kernel.cr3 + PAGE_SIZE]

    def _walk(self, va: int, create: bool) -> int | None:
        """Physical address of the leaf PTE for `va`, or None if absent."""
        mem = self.ram.mem
        table = self.cr3
        for shift in (39, 30, 21):
            slot = table + 8 * ((va >> shift) & 511)
            (entry,) = _Q.unpack_from(mem, slot)
            if not entry & PTE_P:
                if not create:
                    return None
                entry = self.ram.alloc() | _TABLE
                _Q.pack_into(mem, slot, entry)
                if va >> 39 < KERNEL_HALF:
                    if shift == 21:
                        self._leaf_tables[va & ~((1 << 21) - 1)] = entry & PTE_ADDR
                    else:
                        self._upper_tables.append(entry & PTE_ADDR)
            table = entry & PTE_ADDR
        return table + 8 * ((va >> 12) & 511)

    def map(self, va: int, pa: int, *, user: bool, write: bool, execute: bool) -> None:
        pte = self._walk(va, True)
        assert pte is not None
        flags = PTE_P | PTE_A | PTE_D
        flags |= (PTE_US if user else 0) | (PTE_RW if write else 0) | (0 if execute else PTE_NX)
        _Q.pack_into(self.ram.mem, pte, pa | flags)

    def unmap(self, va: int) -> int | None:
        """Remove one page; returns its frame. The caller flushes the TLB."""
        pte = self._walk(va, False)
        if pte is None:
            return None
        (entry,) = _Q.unpack_from(self.ram.mem, pte)
        _Q.pack_into(self.ram.mem, pte, 0)
        return entry & PTE_ADDR if entry & PTE_P else None

    def set_pte(self, va: int, entry: int) -> None:
        """Write the leaf entry for `va` (P may be clear: the frame stays recorded)."""
        pte = self._walk(va, True)
        assert pte is not None
        _Q.pack_into(self.ram.mem, pte, entry)

    def user_leaves(self) -> Iterator[tuple[int, int]]:
        """(va, entry) of every non-zero user leaf, walking only tables that exist."""
        mem = self.ram.mem

        def walk(table: int, level: int, base: int) -> Iterator[tuple[int, int]]:
            shift = 12 + 9 * level
            for slot, entry in _present(mem, table, KERNEL_HALF if level == 3 else 512):
                va = base | slot << shift
                if level == 0:
                    yield va, entry
                elif entry & PTE_P:
                    yield from walk(entry & PTE_ADDR, level - 1, va)

        yield from walk(self.cr3, 3, 0)

    def leaf_tables(self) -> list[tuple[int, int]]:
        """(va of its first page, physical address) of every last-level table of the user half, by va."""
        return sorted(self._leaf_tables.items())

    def table_entries(self, table: int) -> list[tuple[int, int]]:
        """(slot, entry) of the non-zero entries of the last-level table at `table` (a leaf_tables one)."""
        return _present(self.ram.mem, table, 512)

    def write_table(self, table: int, entries: list[int]) -> None:
        """All 512 entries of the last-level table at `table` at once."""
        _TABLE_ENTRIES[512].pack_into(self.ram.mem, table, *entries)

    def present_user_pages(self) -> int:
        """How many user pages are present (get_mm_rss), counted a table at a time in C: P is bit 0 of
        each entry's first byte (little-endian)."""
        mem = self.ram.mem
        return sum(mem[table : table + PAGE_SIZE : 8].tobytes().translate(_BIT0).count(1)
                   for table in self._leaf_tables.values())

    def user_table_count(self) -> int:
        """The page tables below the PML4 that map the user half (what mm_pgtables_bytes counts)."""
        return len(self._leaf_tables) + len(self._upper_tables)

    def free_user_tables(self) -> None:
        """Free the user half's page tables (not the frames they map) and the PML4."""
        ram = self.ram
        ram.free_all([*self._leaf_tables.values(), *self._upper_tables, self.cr3])
        self._leaf_tables, self._upper_tables = {}, []

    def lookup(self, va: int) -> int:
        """The leaf entry for `va` (0 if unmapped), as the MMU would find it."""
        pte = self._walk(va, False)
        return 0 if pte is None else int(_Q.unpack_from(self.ram.mem, pte)[0])

    def user_frame(self, va: int, write: bool) -> int | None:
        """Physical address of `va` if ring 3 may access it so, else None."""
        entry = self.lookup(va)
        need = PTE_P | PTE_US | (PTE_RW if write else 0)
        if entry & need != need:
            return None
        return (entry & PTE_ADDR) | (va & (PAGE_SIZE - 1))

    def kernel_frame(self, va: int) -> int:
        entry = self.lookup(va)
        if not entry & PTE_P:
            raise ValueError(f"kernel address {va:#x} is not mapped")
        return (entry & PTE_ADDR) | (va & (PAGE_SIZE - 1))
