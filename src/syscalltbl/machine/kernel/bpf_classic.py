"""Classic BPF (net/core/filter.c): checking a program (bpf_check_classic) and running it.

A program is a list of struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}.
It runs with a 32-bit accumulator A, an index register X and sixteen words
of scratch memory, all zero at the start; jumps only go forward, so a run
takes at most one step per instruction. The checks are Linux's: only known
opcodes, no constant division by zero or shift past 31, scratch words in
range and stored before they are loaded on every path, jumps inside the
program, and a return last. The caller (seccomp) narrows the opcodes further
and gives the meaning of loads (its struct seccomp_data).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Final

from syscalltbl.machine.uapi.errno import EINVAL, Errno

BPF_MAXINSNS: Final = 4096
BPF_MEMWORDS: Final = 16
SKF_AD_OFF: Final = -0x1000 & 0xFFFFFFFF

# Instruction classes, sizes, modes, operations and sources (include/uapi/linux/bpf_common.h).
BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP, BPF_RET, BPF_MISC = range(8)
BPF_W, BPF_H, BPF_B = 0x00, 0x08, 0x10
BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_LEN, BPF_MSH = 0x00, 0x20, 0x40, 0x60, 0x80, 0xA0
BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR = (
    0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xA0)
BPF_JA, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET = 0x00, 0x10, 0x20, 0x30, 0x40
BPF_K, BPF_X = 0x00, 0x08
BPF_A = 0x10  # BPF_RET's source: the accumulator
BPF_TAX, BPF_TXA = 0x00, 0x80

INSN: Final = struct.Struct("<HBBI")
M32: Final = 0xFFFFFFFF

_ALU_OPS: Final = (BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR)
_COND_JUMPS: Final = frozenset(BPF_JMP | op | src for op in (BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET)
                               for src in (BPF_K, BPF_X))  # fmt: skip
#: chk_code_allowed: every opcode a classic program may hold.
ALLOWED_CODES: Final = frozenset(
    [BPF_ALU | op | src for op in _ALU_OPS for src in (BPF_K, BPF_X)] + [BPF_ALU | BPF_NEG]
    + [BPF_LD | size | mode for size in (BPF_W, BPF_H, BPF_B) for mode in (BPF_ABS, BPF_IND)]
    + [BPF_LD | BPF_MEM, BPF_LD | BPF_IMM, BPF_LD | BPF_W | BPF_LEN]
    + [BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_B | BPF_MSH, BPF_LDX | BPF_IMM, BPF_LDX | BPF_MEM]
    + [BPF_ST, BPF_STX, BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA, BPF_RET | BPF_K, BPF_RET | BPF_A]
    + [BPF_JMP | BPF_JA, *_COND_JUMPS])


class Insn(tuple[int, int, int, int]):
    """One struct sock_filter: (code, jt, jf, k)."""

    __slots__ = ()

    @property
    def code(self) -> int:
        return self[0]

    @property
    def jt(self) -> int:
        return self[1]

    @property
    def jf(self) -> int:
        return self[2]

    @property
    def k(self) -> int:
        return self[3]


def decode(raw: bytes) -> list[Insn]:
    return [Insn(fields) for fields in INSN.iter_unpack(raw)]


def check_classic(prog: Sequence[Insn]) -> None:
    """bpf_check_classic: EINVAL for a program the interpreter must never meet."""
    flen = len(prog)
    for pc, (code, jt, jf, k) in enumerate(prog):
        if code not in ALLOWED_CODES:
            raise Errno(EINVAL)
        if code in (BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_MOD | BPF_K) and k == 0:
            raise Errno(EINVAL)
        if code in (BPF_ALU | BPF_LSH | BPF_K, BPF_ALU | BPF_RSH | BPF_K) and k >= 32:
            raise Errno(EINVAL)
        if code in (BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX) and k >= BPF_MEMWORDS:
            raise Errno(EINVAL)
        if code == BPF_JMP | BPF_JA and k >= flen - pc - 1:
            raise Errno(EINVAL)
        if code in _COND_JUMPS and (pc + jt + 1 >= flen or pc + jf + 1 >= flen):
            raise Errno(EINVAL)
        if code in (BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS) and k >= SKF_AD_OFF:
            raise Errno(EINVAL)  # the socket filters' ancillary loads: none is a seccomp program's
    if prog[-1].code not in (BPF_RET | BPF_K, BPF_RET | BPF_A):
        raise Errno(EINVAL)
    _check_load_and_stores(prog)


def _check_load_and_stores(prog: Sequence[Insn]) -> None:
    """check_load_and_stores: a scratch word is loaded only where every path to the load stored it."""
    masks = [0xFFFF] * len(prog)
    valid = 0
    for pc, (code, jt, jf, k) in enumerate(prog):
        valid &= masks[pc]
        if code in (BPF_ST, BPF_STX):
            valid |= 1 << k
        elif code in (BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM):
            if not valid >> k & 1:
                raise Errno(EINVAL)
        elif code == BPF_JMP | BPF_JA:
            masks[pc + 1 + k] &= valid
            valid = 0xFFFF
        elif code in _COND_JUMPS:
            masks[pc + 1 + jt] &= valid
            masks[pc + 1 + jf] &= valid
            valid = 0xFFFF


def _alu(op: int, a: int, b: int) -> int | None:
    """A op b on 32 bits; None for a division by a zero X (the program then returns 0)."""
    if op == BPF_ADD:
        return (a + b) & M32
    if op == BPF_SUB:
        return (a - b) & M32
    if op == BPF_MUL:
        return (a * b) & M32
    if op in (BPF_DIV, BPF_MOD):
        if b == 0:
            return None
        return a // b if op == BPF_DIV else a % b
    if op == BPF_OR:
        return a | b
    if op == BPF_AND:
        return a & b
    if op == BPF_XOR:
        return a ^ b
    if op == BPF_LSH:
        return (a << (b & 31)) & M32
    if op == BPF_RSH:
        return a >> (b & 31)
    return (-a) & M32  # BPF_NEG


def run(prog: Sequence[Insn], load_word: Callable[[int], int]) -> int:
    """The program's return value; `load_word(k)` is what BPF_LD|BPF_W|BPF_ABS reads (a checked offset)."""
    a = x = 0
    mem = [0] * BPF_MEMWORDS
    pc = 0
    while True:
        code, jt, jf, k = prog[pc]
        pc += 1
        cls = code & 0x07
        if cls == BPF_JMP:
            op = code & 0xF0
            if op == BPF_JA:
                pc += k
                continue
            b = x if code & BPF_X else k
            if op == BPF_JEQ:
                taken = a == b
            elif op == BPF_JGT:
                taken = a > b
            elif op == BPF_JGE:
                taken = a >= b
            else:
                taken = bool(a & b)
            pc += jt if taken else jf
        elif cls == BPF_LD:
            mode = code & 0xE0
            a = load_word(k) if mode == BPF_ABS else mem[k] if mode == BPF_MEM else k
        elif cls == BPF_LDX:
            x = mem[k] if code & 0xE0 == BPF_MEM else k
        elif cls == BPF_ALU:
            result = _alu(code & 0xF0, a, x if code & BPF_X else k)
            if result is None:
                return 0
            a = result
        elif cls == BPF_RET:
            return a if code & BPF_A else k
        elif cls == BPF_ST:
            mem[k] = a
        elif cls == BPF_STX:
            mem[k] = x
        else:  # BPF_MISC
            if code & BPF_TXA:
                a = x
            else:
                x = a
