"""The GDT (Linux's selectors plus our syscall, int 0x80, fatal-fault and timer call gates) and the 64-bit TSS."""

from __future__ import annotations

import struct

from syscalltbl.generators.x86_64 import abi

# arch/x86/kernel/cpu/common.c gdt_page, 64-bit: flat segments, accessed bit
# preset so the cpu never writes the table.
_FLAT: dict[int, int] = {
    abi.KERNEL32_CS: 0x00CF9B000000FFFF,
    abi.KERNEL_CS: 0x00AF9B000000FFFF,  # L=1, DPL 0
    abi.KERNEL_DS: 0x00CF93000000FFFF,
    abi.USER32_CS: 0x00CFFB000000FFFF,
    abi.USER_DS: 0x00CFF3000000FFFF,  # DPL 3
    abi.USER_CS: 0x00AFFB000000FFFF,  # L=1, DPL 3
}

_TYPE_TSS_AVAIL = 0x9
_TYPE_CALL_GATE = 0xC


def _system(base: int, limit: int, type_: int, dpl: int) -> bytes:
    """A 16-byte system-segment descriptor (TSS, LDT)."""
    access = 0x80 | (dpl << 5) | type_
    low = (
        (limit & 0xFFFF)
        | (base & 0xFFFFFF) << 16
        | access << 40
        | ((limit >> 16) & 0xF) << 48
        | ((base >> 24) & 0xFF) << 56
    )
    return struct.pack("<QQ", low, base >> 32)


def call_gate(selector: int, offset: int, dpl: int) -> bytes:
    """A 64-bit call gate: a far call through it lands at selector:offset."""
    access = 0x80 | (dpl << 5) | _TYPE_CALL_GATE
    return struct.pack("<HHBBHIxxxx", offset & 0xFFFF, selector, 0, access, (offset >> 16) & 0xFFFF, offset >> 32)


def build_gdt(tss_base: int, gate_target: int, int80_target: int, fault_target: int, timer_target: int) -> bytes:
    table = bytearray(8 * abi.GDT_ENTRIES)
    for selector, desc in _FLAT.items():
        struct.pack_into("<Q", table, selector & ~7, desc)
    table[abi.TSS_SEL : abi.TSS_SEL + 16] = _system(tss_base, abi.TSS_SIZE - 1, _TYPE_TSS_AVAIL, 0)
    gate = abi.SYSCALL_GATE_SEL & ~7
    table[gate : gate + 16] = call_gate(abi.KERNEL_CS, gate_target, 3)
    # DPL 3 like Linux's int 0x80 IDT entry (a system gate): user mode may raise it.
    gate = abi.INT80_GATE_SEL & ~7
    table[gate : gate + 16] = call_gate(abi.KERNEL_CS, int80_target, 3)
    # DPL 3 as well: the runtime enters it from ring 3. GDTR's limit leaves it
    # out except then (machine.py), so a program's own far call is a #GP.
    gate = abi.FAULT_GATE_SEL & ~7
    table[gate : gate + 16] = call_gate(abi.KERNEL_CS, fault_target, 3)
    gate = abi.TIMER_GATE_SEL & ~7  # the same: past the limit but while the scheduler preempts a task
    table[gate : gate + 16] = call_gate(abi.KERNEL_CS, timer_target, 3)
    return bytes(table)


def build_tss(rsp0: int) -> bytes:
    tss = bytearray(abi.TSS_SIZE)
    struct.pack_into("<Q", tss, abi.TSS_SP0, rsp0)
    # I/O map base past the limit: no I/O bitmap, so in/out from ring 3 fault.
    struct.pack_into("<H", tss, abi.TSS_IOPB, abi.TSS_SIZE)
    return bytes(tss)
