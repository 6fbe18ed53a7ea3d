"""Each task's x87/SSE register state, in the fxsave layout (arch/x86/kernel/fpu/).

The emulated cpu has one set of FPU and XMM registers (no AVX: its cpuid has
none), so the scheduler saves a task's set when another task's is loaded,
lazily as Linux once did: only when the next task on the cpu differs from
the owner. A signal frame holds the same 512 bytes, so a handler may use
SSE freely (glibc's memcpy does) and rt_sigreturn gives the interrupted code
its registers back.
"""

from __future__ import annotations

import ctypes
import struct
from typing import Final

from unicorn import x86_const as x86

from syscalltbl.machine.hw.cpu import Cpu

FXSAVE_SIZE: Final = 512
# An fninit'ed FPU with SSE exceptions masked: what a new program starts with.
FCW_INIT: Final = 0x37F
MXCSR_INIT: Final = 0x1F80
MXCSR_MASK: Final = 0xFFFF
_XMM = tuple(getattr(x86, f"UC_X86_REG_XMM{i}") for i in range(16))
_ST = tuple(getattr(x86, f"UC_X86_REG_ST{i}") for i in range(8))
_HEAD = struct.Struct("<HHBxHQQII")  # fcw fsw ftw(abridged) fop fip fdp mxcsr mxcsr_mask
_ST_OFF, _XMM_OFF = 32, 160


def _initial() -> bytes:
    image = bytearray(FXSAVE_SIZE)
    _HEAD.pack_into(image, 0, FCW_INIT, 0, 0, 0, 0, 0, MXCSR_INIT, MXCSR_MASK)
    return bytes(image)


INITIAL: Final = _initial()


class FpuRegisters:
    """Reads and writes the cpu's FPU state as one fxsave image."""

    def __init__(self, cpu: Cpu) -> None:
        self.cpu = cpu
        self._buf = ctypes.create_string_buffer(16)
        self._read = cpu.raw_reader()
        self._write = cpu.raw_writer()

    def save(self) -> bytes:
        cpu, buf, read = self.cpu, self._buf, self._read
        image = bytearray(FXSAVE_SIZE)
        tags = cpu.reg(x86.UC_X86_REG_FPTAG)
        # The full tag word has 2 bits a register, 3 = empty; fxsave keeps 1, set = in use.
        abridged = sum(1 << i for i in range(8) if (tags >> (2 * i)) & 3 != 3)
        _HEAD.pack_into(image, 0, cpu.reg(x86.UC_X86_REG_FPCW), cpu.reg(x86.UC_X86_REG_FPSW), abridged, 0, 0, 0,
                        cpu.reg(x86.UC_X86_REG_MXCSR), MXCSR_MASK)
        for i, regid in enumerate(_ST):
            read(regid, buf)
            image[_ST_OFF + 16 * i : _ST_OFF + 16 * i + 10] = buf.raw[:10]
        for i, regid in enumerate(_XMM):
            read(regid, buf)
            image[_XMM_OFF + 16 * i : _XMM_OFF + 16 * i + 16] = buf.raw
        return bytes(image)

    def restore(self, image: bytes) -> None:
        cpu, buf, write = self.cpu, self._buf, self._write
        fcw, fsw, abridged, _fop, _fip, _fdp, mxcsr, _mask = _HEAD.unpack_from(image, 0)
        cpu.set_reg(x86.UC_X86_REG_FPCW, fcw)
        cpu.set_reg(x86.UC_X86_REG_FPSW, fsw)
        cpu.set_reg(x86.UC_X86_REG_FPTAG, sum((0 if abridged >> i & 1 else 3) << (2 * i) for i in range(8)))
        # Reserved MXCSR bits would #GP on a real fxrstor; keep the architected ones.
        cpu.set_reg(x86.UC_X86_REG_MXCSR, mxcsr & MXCSR_MASK)
        for i, regid in enumerate(_ST):
            buf.raw = image[_ST_OFF + 16 * i : _ST_OFF + 16 * i + 16]
            write(regid, buf)
        for i, regid in enumerate(_XMM):
            buf.raw = image[_XMM_OFF + 16 * i : _XMM_OFF + 16 * i + 16]
            write(regid, buf)
