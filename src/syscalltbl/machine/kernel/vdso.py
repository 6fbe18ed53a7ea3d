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
import marshal
import struct
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

from syscalltbl.generators.generate import code_fingerprint
from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import Syscall
from syscalltbl.machine.hw.cpu import TscReader
from syscalltbl.store import cache as content_cache
from syscalltbl.store.record import Frozen

#: The calls whose numbers the vDSO's code holds: the clocks it cannot read from the vvar page
#: (generators/x86_64/vdso.py, render_vdso).
FALLBACK_CALLS = frozenset(("clock_gettime", "clock_getres"))
CALIBRATION_NS = 20_000_000
_SAMPLE = struct.Struct("<QQQQ")  # tsc_base, mono, real, mult: VVAR_TSC_BASE..VVAR_MULT
_U64 = struct.Struct("<Q")


class Vdso(Frozen):
    data: bytes  # the whole ELF file: it is mapped as is
    symbols: dict[str, int]  # offsets of the exported functions

    __slots__ = _fields = ("data", "symbols")

    def __init__(self, data: bytes, symbols: dict[str, int]) -> None:
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "symbols", symbols)

    @property
    def pages(self) -> int:
        return (len(self.data) + abi.PAGE_SIZE - 1) // abi.PAGE_SIZE


def build_vdso(syscalls: list[Syscall], source: str) -> Vdso:
    """The vDSO for `syscalls`, from the content-addressed cache when it was built before."""
    # Keyed by the numbers of the calls the vDSO falls back to (render_vdso reads nothing else of the
    # table), not by the whole table's repr: that and its hashing took 0.6 ms of every machine's start.
    numbers = repr([(s.name, s.number) for s in syscalls if s.name in FALLBACK_CALLS])
    key = content_cache.digest("vdso", code_fingerprint(), Path(__file__).read_bytes(), numbers, source)
    if content_cache.enabled() and (blob := content_cache.get("vdso", key)) is not None:
        with contextlib.suppress(Exception):  # an entry of another shape: rebuild
            data, symbols = marshal.loads(blob)  # marshal, not pickle: built in, no import for a warm start
            if isinstance(data, bytes) and isinstance(symbols, dict):
                return Vdso(data, symbols)
    vdso = _build_vdso(syscalls, source)
    if content_cache.enabled():
        content_cache.put("vdso", key, marshal.dumps((vdso.data, vdso.symbols)))
    return vdso


def _build_vdso(syscalls: list[Syscall], source: str) -> Vdso:
    # Here, not at the top: a warm start takes the vDSO from the cache, without Jinja2, as/ld or pyelftools.
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    from syscalltbl.generators.x86_64.vdso import SYMBOLS, render_vdso
    from syscalltbl.machine.image.toolchain import build_elf

    elf = build_elf(render_vdso(syscalls, source=source), linker_script="vdso.lds", name="vdso.so",
                    soname="linux-vdso.so.1")
    data = Path(elf).read_bytes()
    dynsym = ELFFile(io.BytesIO(data)).get_section_by_name(".dynsym")
    assert isinstance(dynsym, SymbolTableSection)
    symbols = {s.name: s["st_value"] for s in dynsym.iter_symbols() if s.name in SYMBOLS}
    return Vdso(data, symbols)


@cache
def _clock() -> tuple[TscReader, int]:
    """The reader and ns-per-cycle << VVAR_SHIFT, measured over CALIBRATION_NS once per host boot.

    The host kernel calibrates its TSC once per boot too, and the rate does not change until the next:
    the measurement is kept in the cache under the host's boot id, so a machine's start does not spin
    CALIBRATION_NS (a fifth of a warm `run /bin/busybox true`)."""
    read = TscReader()
    key = _calibration_key()
    blob = content_cache.get("tsc", key) if key is not None and content_cache.enabled() else None
    if blob is not None and len(blob) == _U64.size and (mult := _U64.unpack(blob)[0]) > 0:
        return read, mult
    tsc0, ns0 = _pair(read, tries=5)
    while time.monotonic_ns() - ns0 < CALIBRATION_NS:
        pass
    tsc1, ns1 = _pair(read, tries=5)
    mult = ((ns1 - ns0) << abi.VVAR_SHIFT) // max(tsc1 - tsc0, 1)
    if key is not None and content_cache.enabled() and mult > 0:
        content_cache.put("tsc", key, _U64.pack(mult))
    return read, mult


def _calibration_key() -> str | None:
    """What a TSC calibration holds for: this boot of the host (None when the host does not say which)."""
    try:
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_bytes()
    except OSError:
        return None
    return content_cache.digest("tsc", boot_id, str(CALIBRATION_NS), str(abi.VVAR_SHIFT))


#: How much slower than the host's the sample's rate is made, parts per million: the extrapolation then
#: stays at or behind the host's monotonic clock, and each refresh steps it forward onto it, never back.
RATE_BIAS_PPM = 50
#: A change of the host's realtime-to-monotonic offset larger than this is the host's clock being set.
HOST_STEP_NS = 1_000_000


class ClockSource:
    """One machine's timekeeper: the vvar page's sample, and the same extrapolation for the system calls.

    The vDSO computes base + (rdtsc - tsc_base) * mult >> VVAR_SHIFT; clock_gettime, gettimeofday and time
    compute the very same from the same sample, so a program reading through either path sees one clock.
    A refresh (each time slice, and when the clock is set) starts the next sample no earlier than where
    the previous one has got to (timekeeping_advance accumulates the same way), so CLOCK_MONOTONIC never
    goes back; CLOCK_REALTIME is CLOCK_MONOTONIC plus the machine's offset from it, which moves only when
    the clock is set or slewed.
    """

    def __init__(self) -> None:
        self._read, mult = _clock()
        self._mult = mult - mult * RATE_BIAS_PPM // 1_000_000
        self._tsc = self._mono = self._real = 0
        self._host_w2m = _host_wall_to_mono()

    def refresh(self, mem: memoryview | bytearray, vvar_pa: int, wall_offset: Callable[[], int]) -> None:
        """A new sample on the vvar page; `wall_offset` is the machine's CLOCK_REALTIME less the host's."""
        tsc, host_mono = _pair(self._read, tries=2)
        mono = max(host_mono, self._extrapolate(tsc, self._mono)) if self._tsc else host_mono
        w2m = _host_wall_to_mono()
        if abs(w2m - self._host_w2m) > HOST_STEP_NS:
            self._host_w2m = w2m  # the host's clock was set: follow it
        self._tsc, self._mono, self._real = tsc, mono, mono + self._host_w2m + wall_offset()
        _SAMPLE.pack_into(mem, vvar_pa + abi.VVAR_TSC_BASE, self._tsc, self._mono, self._real, self._mult)
        _U64.pack_into(mem, vvar_pa + abi.VVAR_BOOT, mono)  # CLOCK_BOOTTIME: the monotonic clock, as nothing suspends

    def _extrapolate(self, tsc: int, base: int) -> int:
        """vread_ns: the delta as the vDSO's 64-bit arithmetic computes it."""
        cycles = (tsc - self._tsc) & (1 << 64) - 1
        return (base + ((cycles * self._mult) >> abi.VVAR_SHIFT)) & (1 << 64) - 1

    def monotonic_ns(self) -> int:
        """CLOCK_MONOTONIC (and BOOTTIME, MONOTONIC_RAW and the coarse one) as the vDSO reads it now."""
        return self._extrapolate(self._read(), self._mono)

    def realtime_ns(self) -> int:
        """CLOCK_REALTIME as the vDSO reads it now."""
        return self._extrapolate(self._read(), self._real)


def _host_wall_to_mono() -> int:
    """The host's CLOCK_REALTIME less its CLOCK_MONOTONIC, read as close together as the host allows."""
    best, offset = 1 << 64, 0
    for _ in range(3):
        before = time.monotonic_ns()
        real = time.time_ns()
        after = time.monotonic_ns()
        if after - before < best:
            best, offset = after - before, real - (before + after) // 2
    return offset


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
