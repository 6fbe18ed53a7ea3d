"""The vDSO image and its vvar page: built once per machine, shared by every process.

The vvar page holds a clock sample (rdtsc, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME)
and the cycles-to-ns multiplier. Unicorn's rdtsc reads the host's TSC, so the
multiplier is calibrated against the host clocks once per Python process;
the sample is refreshed whenever a task is switched in, as the kernel's
timekeeping refreshes vdso_data on each tick.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from syscalltbl.generators.generate import code_fingerprint
from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import Syscall
from syscalltbl.generators.x86_64.vdso import SYMBOLS, render_vdso
from syscalltbl.machine.hw.cpu import TscReader
from syscalltbl.machine.image.toolchain import build_elf
from syscalltbl.store import cache as content_cache

CALIBRATION_NS = 20_000_000
_SAMPLE = struct.Struct("<QQQQ")  # tsc_base, mono, real, mult: VVAR_TSC_BASE..VVAR_MULT
_U64 = struct.Struct("<Q")


@dataclass(frozen=True, slots=True)
class Vdso:
    data: bytes  # the whole ELF file: it is mapped as is
    symbols: dict[str, int]  # offsets of the exported functions

    @property
    def pages(self) -> int:
        return (len(self.data) + abi.PAGE_SIZE - 1) // abi.PAGE_SIZE


def build_vdso(syscalls: list[Syscall], source: str) -> Vdso:
    """The vDSO for `syscalls`, from the content-addressed cache when it was built before."""
    key = content_cache.digest("vdso", code_fingerprint(), Path(__file__).read_bytes(), repr(syscalls),
                               source)
    if content_cache.enabled() and (blob := content_cache.get("vdso", key)) is not None:
        with contextlib.suppress(Exception):  # an entry from another version of Vdso: rebuild
            cached = pickle.loads(blob)
            if isinstance(cached, Vdso):
                return cached
    vdso = _build_vdso(syscalls, source)
    if content_cache.enabled():
        content_cache.put("vdso", key, pickle.dumps(vdso))
    return vdso


def _build_vdso(syscalls: list[Syscall], source: str) -> Vdso:
    elf = build_elf(render_vdso(syscalls, source=source), linker_script="vdso.lds", name="vdso.so",
                    soname="linux-vdso.so.1")
    data = Path(elf).read_bytes()
    dynsym = ELFFile(io.BytesIO(data)).get_section_by_name(".dynsym")
    assert isinstance(dynsym, SymbolTableSection)
    symbols = {s.name: s["st_value"] for s in dynsym.iter_symbols() if s.name in SYMBOLS}
    return Vdso(data, symbols)


@cache
def _clock() -> tuple[TscReader, int]:
    """The reader and ns-per-cycle << VVAR_SHIFT, measured over CALIBRATION_NS."""
    read = TscReader()
    tsc0, ns0 = _pair(read, tries=5)
    while time.monotonic_ns() - ns0 < CALIBRATION_NS:
        pass
    tsc1, ns1 = _pair(read, tries=5)
    return read, ((ns1 - ns0) << abi.VVAR_SHIFT) // max(tsc1 - tsc0, 1)


def write_sample(mem: memoryview | bytearray, vvar_pa: int, realtime: Callable[[], int] = time.time_ns) -> None:
    """Refresh the clock sample on the vvar page; `realtime` is the machine's CLOCK_REALTIME."""
    read, mult = _clock()
    tsc, mono = _pair(read, tries=2)
    _SAMPLE.pack_into(mem, vvar_pa + abi.VVAR_TSC_BASE, tsc, mono, realtime() - time.monotonic_ns() + mono, mult)
    _U64.pack_into(mem, vvar_pa + abi.VVAR_BOOT, mono)  # CLOCK_BOOTTIME: the monotonic clock, as nothing suspends


def _pair(read: TscReader, tries: int) -> tuple[int, int]:
    """A TSC value and the monotonic time at that moment, read as close together as the host allows.

    The time is read between two TSC reads, and the narrowest of `tries`
    brackets wins: a bracket the host preempted is wide, and would skew the
    guest's clock (a rate measured from it, or an offset) by the preemption.
    """
    width, tsc, ns = 1 << 64, 0, 0
    for _ in range(tries):
        before = read()
        now = time.monotonic_ns()
        after = read()
        if after - before < width:
            width, tsc, ns = after - before, (before + after) // 2, now
    return tsc, ns


def tsc_khz() -> int:
    """The TSC's rate as the guest's clock measured it, in kHz (what /proc/cpuinfo's cpu MHz shows)."""
    _, mult = _clock()
    return (10**6 << abi.VVAR_SHIFT) // max(mult, 1)
