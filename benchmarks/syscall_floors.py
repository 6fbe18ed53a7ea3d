"""The floors under a system call on the machine, beside its real getpid rate (issue 20, point 2).

Each row is calls per second, best of `--runs`, all rows measured in turn
in each run (interleaved, so a busy host slows them alike), each case in a
process of its own (a machine's threads, or one left over from the case
before, would take the GIL from the callbacks measured):

  hook, no-op callback       a tight `syscall` loop on a bare Unicorn cpu whose
                             syscall hook is an empty Python function, called the
                             way the machine's hot hooks are (a raw ctypes
                             CFUNCTYPE on libunicorn, hw/cpu.py), and once through
                             the stock binding's hook_add for reference
  hook + register calls      the same callback doing a register-based dispatch's
                             libunicorn calls: rax and the six argument registers
                             read, rax written (raw ctypes uc_reg_read/write)
  hook + pt_regs in RAM      the same callback doing the machine's Python dispatch of
                             before image/traphook.py: one unpack of the nine words
                             of pt_regs from RAM and one store of regs->ax (no
                             libunicorn call)
  ring path, no dispatch     the machine's real path (ring 3 -> gate ->
                             entry_SYSCALL_64 -> do_syscall_64 -> sys_call_table
                             -> sysretq, every instruction emulated) for a number
                             the table leaves unimplemented: its entry answers
                             -ENOSYS in the generated assembly, so the cheapest
                             trap stands where the Python dispatch would be
  machine getpid             the real thing (runtime_getpid.py's loop)

    .venv/bin/python benchmarks/syscall_floors.py [-n CALLS] [-r RUNS]

`measure()` returns the rows for other benchmarks (peers.py).
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from unicorn import x86_const as x86

from runtime_getpid import build_loop, run_seconds
from syscalltbl.machine.hw.cpu import Cpu
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.syscalls import unimplemented

unicorn: Any = importlib.import_module("unicorn")
_lib: ctypes.CDLL = importlib.import_module("unicorn.unicorn_py3.unicorn").uclib

CODE = 0x1000
DATA = 0x2000
#: movl $calls, %ebx; 1: syscall; decl %ebx; jnz 1b (the address after it ends the run).
LOOP = b"\xbb%s\x0f\x05\xff\xcb\x75\xfa"
_SYSCALL_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_REG = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
_reg_read = _REG(("uc_reg_read", _lib))
_reg_write = _REG(("uc_reg_write", _lib))
_ARGS = (x86.UC_X86_REG_RAX, x86.UC_X86_REG_RDI, x86.UC_X86_REG_RSI, x86.UC_X86_REG_RDX,
         x86.UC_X86_REG_R10, x86.UC_X86_REG_R8, x86.UC_X86_REG_R9)  # fmt: skip
_PT_ARGS = struct.Struct("<9Q")
_Q = struct.Struct("<Q")

Row = tuple[str, float]


def _bare_loop(calls: int, install: Callable[[Cpu], None]) -> float:
    """Seconds for `calls` iterations of a ring-0 syscall loop on a cpu with `install`'s hook."""
    cpu = Cpu()
    cpu.uc.mem_map(CODE, 0x2000)
    cpu.uc.mem_write(CODE, LOOP % struct.pack("<I", calls))
    install(cpu)
    start = time.perf_counter()
    cpu.uc.emu_start(CODE, CODE + len(LOOP % b"\0\0\0\0"))
    return time.perf_counter() - start


def _raw_hook(cpu: Cpu, fn: Callable[[object, object], None]) -> None:
    callback = _SYSCALL_CB(fn)
    handle = ctypes.c_size_t()
    err = _lib.uc_hook_add(cpu.handle, ctypes.byref(handle), unicorn.UC_HOOK_INSN, callback, None,
                           ctypes.c_uint64(1), ctypes.c_uint64(0), ctypes.c_int(x86.UC_X86_INS_SYSCALL))  # fmt: skip
    assert err == 0
    cpu._keep.append(callback)


def _noop_raw(cpu: Cpu) -> None:
    _raw_hook(cpu, lambda _uc, _ud: None)


def _noop_binding(cpu: Cpu) -> None:
    cpu.uc.hook_add(unicorn.UC_HOOK_INSN, lambda _uc, _ud: None, None, 1, 0, x86.UC_X86_INS_SYSCALL)


def _register_dispatch(cpu: Cpu) -> None:
    handle, buf = cpu.handle, ctypes.c_uint64()
    ref = ctypes.byref(buf)
    ids = _ARGS

    def hook(_uc: object, _ud: object) -> None:
        values = []
        for regid in ids:
            _reg_read(handle, regid, ref)
            values.append(buf.value)
        buf.value = 0
        _reg_write(handle, x86.UC_X86_REG_RAX, ref)

    _raw_hook(cpu, hook)


def _memory_dispatch(cpu: Cpu) -> None:
    mem = memoryview(bytearray(4096))
    unpack, pack = _PT_ARGS.unpack_from, _Q.pack_into

    def hook(_uc: object, _ud: object) -> None:
        words = unpack(mem, 0x100)  # r10, r9, r8, ax, cx, dx, si, di, orig_ax
        pack(mem, 0x118, words[8] & 0xFFFFFFFF)

    _raw_hook(cpu, hook)


def _unimplemented_number() -> str:
    """A number the default table has but the runtime leaves to the assembly's sys_ni_syscall."""
    machine = Machine()
    return str(min(e.number for e in unimplemented(machine.kernel.table, machine.handlers)))


def _cases(calls: int) -> dict[str, Callable[[], float]]:
    """Each row's name and the function timing it: seconds for `calls` calls."""
    return {
        "hook, no-op callback (raw ctypes, as the machine)": lambda: _bare_loop(calls, _noop_raw),
        "hook, no-op callback (stock binding)": lambda: _bare_loop(calls, _noop_binding),
        "hook + 7 register reads, 1 write (raw ctypes)": lambda: _bare_loop(calls, _register_dispatch),
        "hook + pt_regs unpack/store in RAM": lambda: _bare_loop(calls, _memory_dispatch),
        "ring path, no Python dispatch (unimplemented nr)": lambda: run_seconds(
            build_loop(calls, _unimplemented_number())
        ),
        "machine getpid, full ring path": lambda: run_seconds(build_loop(calls)),
    }


def _time_one(index: int, calls: int) -> float:
    """Seconds of case `index`, measured in a fresh process."""
    proc = subprocess.run([sys.executable, __file__, "--case", str(index), "-n", str(calls)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"syscall_floors: case {index} failed: {proc.stderr.strip()}")
    return float(proc.stdout)


def measure(calls: int = 100_000, runs: int = 3) -> list[Row]:
    """(name, calls per second) for each floor and the machine's getpid, best of `runs`, interleaved."""
    names = list(_cases(calls))
    best = [float("inf")] * len(names)
    for _ in range(runs):
        for index in range(len(names)):
            best[index] = min(best[index], _time_one(index, calls))
    return [(name, calls / seconds) for name, seconds in zip(names, best, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--calls", type=int, default=100_000)
    parser.add_argument("-r", "--runs", type=int, default=3)
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)  # one case, its seconds (measure's child)
    args = parser.parse_args()
    if args.case is not None:
        print(list(_cases(args.calls).values())[args.case]())
        return
    rows = measure(args.calls, args.runs)
    width = max(len(name) for name, _ in rows)
    for name, rate in rows:
        print(f"{name:<{width}}  {rate:>12,.0f} calls/s  {1e6 / rate:6.2f} us")
    print(f"(best of {args.runs} x {args.calls:,} calls, interleaved)")


if __name__ == "__main__":
    main()
