"""Each task's x87/SSE register state, in the fxsave layout (arch/x86/kernel/fpu/).

The emulated cpu has one set of FPU and XMM registers (no AVX: its cpuid has
none), so the scheduler saves a task's set when another task's is loaded,
lazily as Linux once did: only when the next task on the cpu differs from
the owner. A signal frame holds the same 512 bytes, so a handler may use
SSE freely (glibc's memcpy does) and rt_sigreturn gives the interrupted code
its registers back.
"""

from __future__ import annotations

import struct
from typing import Final

from unicorn import x86_const as x86

from syscalltbl.machine.hw.cpu import Cpu, RegisterBlock

FXSAVE_SIZE: Final = 512
# An fninit'ed FPU with SSE exceptions masked: what a new program starts with.
FCW_INIT: Final = 0x37F
MXCSR_INIT: Final = 0x1F80
MXCSR_MASK: Final = 0xFFFF
_XMM = tuple(getattr(x86, f"UC_X86_REG_XMM{i}") for i in range(16))
_ST = tuple(getattr(x86, f"UC_X86_REG_ST{i}") for i in range(8))
_HEAD = struct.Struct("<HHBxHQQII")  # fcw fsw ftw(abridged) fop fip fdp mxcsr mxcsr_mask
_ST_OFF, _XMM_OFF = 32, 160
_REGS_END = _XMM_OFF + 16 * 16
_BLOCK_HEAD = struct.Struct("<4Q")  # FPCW, FPSW, the full tag word, MXCSR: the register block's first slots


def _initial() -> bytes:
    image = bytearray(FXSAVE_SIZE)
    _HEAD.pack_into(image, 0, FCW_INIT, 0, 0, 0, 0, 0, MXCSR_INIT, MXCSR_MASK)
    return bytes(image)


INITIAL: Final = _initial()


class FpuRegisters:
    """Reads and writes the cpu's FPU state as one fxsave image, in one call into libunicorn each way.

    The block's slots: FPCW, FPSW, FPTAG and MXCSR in 8 bytes each (32 bytes, as the image's header),
    then ST0-7 and XMM0-15 in 16 bytes each at the image's own offsets (32 and 160), so that the
    registers' bytes are the image's bytes 32 to 416 as they stand.
    """

    def __init__(self, cpu: Cpu) -> None:
        head = (x86.UC_X86_REG_FPCW, x86.UC_X86_REG_FPSW, x86.UC_X86_REG_FPTAG, x86.UC_X86_REG_MXCSR)
        self._block = RegisterBlock(cpu, [*((regid, 8) for regid in head), *((regid, 16) for regid in (*_ST, *_XMM))])

    def save(self) -> bytes:
        raw = self._block.read()
        fcw, fsw, tags, mxcsr = _BLOCK_HEAD.unpack_from(raw, 0)
        # The full tag word has 2 bits a register, 3 = empty; fxsave keeps 1, set = in use.
        abridged = sum(1 << i for i in range(8) if (tags >> (2 * i)) & 3 != 3)
        image = bytearray(FXSAVE_SIZE)
        _HEAD.pack_into(image, 0, fcw, fsw, abridged, 0, 0, 0, mxcsr, MXCSR_MASK)
        image[_ST_OFF:_REGS_END] = raw[_ST_OFF:_REGS_END]  # ST's 6 bytes past its 80 bits stay zero
        return bytes(image)

    def restore(self, image: bytes) -> None:
        fcw, fsw, abridged, _fop, _fip, _fdp, mxcsr, _mask = _HEAD.unpack_from(image, 0)
        raw = bytearray(self._block.size)
        tags = sum((0 if abridged >> i & 1 else 3) << (2 * i) for i in range(8))
        # Reserved MXCSR bits would #GP on a real fxrstor; keep the architected ones.
        _BLOCK_HEAD.pack_into(raw, 0, fcw, fsw, tags, mxcsr & MXCSR_MASK)
        raw[_ST_OFF:_REGS_END] = image[_ST_OFF:_REGS_END]
        self._block.write(bytes(raw))
