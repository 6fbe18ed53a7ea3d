"""Render the vDSO's sources: vdso.S, its linker script and the constants they share.

The fallback system-call numbers come from the table, the vvar layout from
abi.py; nothing else varies.
"""

from __future__ import annotations

from collections.abc import Sequence

from syscalltbl.generators.jinja_env import render
from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import Syscall

GENERATOR = "generators/x86_64/vdso.py"
# include/uapi/linux/time.h and include/vdso/time64.h
CLOCKS = {
    "CLOCK_REALTIME": 0, "CLOCK_MONOTONIC": 1, "CLOCK_MONOTONIC_RAW": 4, "CLOCK_REALTIME_COARSE": 5,
    "CLOCK_MONOTONIC_COARSE": 6, "CLOCK_BOOTTIME": 7,
    "NSEC_PER_SEC": 1_000_000_000, "NSEC_PER_USEC": 1000, "USEC_PER_SEC": 1_000_000,
}  # fmt: skip
SYMBOLS = ("__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu", "__vdso_clock_getres")
# Each is exported under its own name too (a weak alias), as the kernel's vDSO does.
ALIASES = tuple(name.removeprefix("__vdso_") for name in SYMBOLS)
VERSION = "LINUX_2.6"  # the version node of every export (arch/x86/entry/vdso/vdso.lds.S)


def render_vdso(syscalls: Sequence[Syscall], *, source: str) -> dict[str, str]:
    numbers = {s.name: s.number for s in syscalls}
    consts = {**abi.asm_offsets(), **CLOCKS, "__NR_clock_gettime": numbers["clock_gettime"],
              "__NR_clock_getres": numbers["clock_getres"]}
    common = {"generator": GENERATOR, "source": source}
    return {
        "asm-offsets.inc": render("x86_64/asm-offsets.inc.j2", offsets=sorted(consts.items()), **common),
        "vdso.S": render("x86_64/vdso/vdso.S.j2", aliases=ALIASES, **common),
        "vdso.lds": render("x86_64/vdso/vdso.lds.j2", page_size=abi.PAGE_SIZE,
                           exports=sorted((*SYMBOLS, *ALIASES)), version=VERSION, **common),
    }
