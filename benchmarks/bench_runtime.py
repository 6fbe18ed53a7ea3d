"""System calls per second of one getpid loop: the emulated machine against native, QEMU and Qiling.

The same static binary (built from the generated unistd_64.inc) runs
natively, under qemu-x86_64 (Debian's qemu-user, installed with apt-get if
missing), under Qiling (PyPI `qiling`, installed into its own venv under the
cache directory if missing) and on the machine, where every call takes the
full ring 3 -> gate -> entry_SYSCALL_64 -> do_syscall_64 -> sys_call_table ->
Python -> sysretq path. Ratios come from this one run. Then gettimeofday
through the vDSO against through `syscall`, on the machine and natively
(examples/vdso.c, which finds the vDSO through AT_SYSINFO_EHDR).

    .venv/bin/python benchmarks/bench_runtime.py [--calls N] [--no-install] [--check]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runtime_getpid import LOOP
from syscalltbl.generators.x86_64.kernel import render_unistd_64, select_64
from syscalltbl.machine.image.kbuild import build_user_library
from syscalltbl.machine.image.toolchain import build_c_program, build_elf, cache_root
from syscalltbl.machine.machine import Machine
from syscalltbl.tables.read import parse_table
from syscalltbl.tables.target import default

REPO = Path(__file__).resolve().parents[1]
QILING_RUN = """
import sys, time
from qiling import Qiling
from qiling.const import QL_VERBOSE
ql = Qiling([sys.argv[1]], sys.argv[2], verbose=QL_VERBOSE.DISABLED)
start = time.perf_counter()
ql.run()
print(time.perf_counter() - start)
"""
TARGET_QILING, TARGET_NATIVE, STRETCH_NATIVE = 5.0, 100.0, 60.0


def getpid_loop(calls: int) -> Path:
    unistd = render_unistd_64(select_64(parse_table(default().table)), source="syscall_64.tbl")
    source = LOOP.replace("{calls}", str(calls)).replace("{nr}", "__NR_getpid")
    return build_elf({"loop.S": source, "unistd_64.inc": unistd}, linker_script=None, name="getpid-loop")


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=False, stdout=subprocess.DEVNULL)  # the loop exits with its pid
    return time.perf_counter() - start


def qemu(install: bool) -> str | None:
    found = shutil.which("qemu-x86_64")
    if found is None and install and shutil.which("apt-get") and os.geteuid() == 0:
        print("installing qemu-user with apt-get ...", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "qemu-user"], check=False, env=env, capture_output=True)
        found = shutil.which("qemu-x86_64")
    return found


def qiling(install: bool) -> tuple[Path | None, str]:
    """The venv's python with qiling importable, or None and why not."""
    venv = cache_root().parent / "bench" / "qiling-venv"
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import qiling"]
    if python.is_file() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return python, ""
    if not install:
        return None, f"not installed in {venv} (--no-install)"
    print(f"installing qiling into {venv} ...", file=sys.stderr)
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return None, f"python -m venv failed: {made.stderr.strip()[-300:]}"
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q", "qiling"], capture_output=True, text=True,
                         check=False)
    if pip.returncode != 0 or subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        return None, f"pip install qiling failed: {(pip.stderr or pip.stdout).strip()[-300:]}"
    return python, ""


def on_machine(program: Path, argv: list[str], out: int = 1) -> tuple[float, int | None]:
    machine = Machine(stdio=(0, out, 2))  # booted outside the timing
    start = time.perf_counter()
    status = machine.run(program, argv, timeout=3600)
    return time.perf_counter() - start, status.code


def vdso_costs(program: Path, calls: int, native: bool) -> dict[str, int]:
    with tempfile.TemporaryFile() as out:
        if native:
            subprocess.run([str(program), str(calls)], stdout=out, check=True)
        else:
            on_machine(program, ["vdso", str(calls)], out.fileno())
        out.seek(0)
        lines = out.read().decode().splitlines()
    return {k: int(v) for k, v in (line.split(": ") for line in lines if line.endswith(tuple("0123456789")))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300_000, help="getpid calls on the machine")
    parser.add_argument("--no-install", action="store_true", help="do not install qemu-user or qiling")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    install = not args.no_install

    rates: dict[str, float] = {}
    elapsed, code = on_machine(getpid_loop(args.calls), ["getpid-loop"])
    assert code == 1, f"getpid loop exited {code}"
    rates["machine"] = args.calls / elapsed
    native_calls = 20 * args.calls
    rates["native"] = native_calls / timed([str(getpid_loop(native_calls))])
    qemu_bin = qemu(install)
    if qemu_bin:
        rates["qemu-user"] = native_calls / timed([qemu_bin, str(getpid_loop(native_calls))])
    else:
        print("qemu-user: qemu-x86_64 not found and not installable here", file=sys.stderr)
    python, why = qiling(install)
    if python is not None:
        qiling_calls = max(args.calls // 10, 1000)
        with tempfile.TemporaryDirectory() as rootfs:
            proc = subprocess.run([str(python), "-c", QILING_RUN, str(getpid_loop(qiling_calls)), rootfs],
                                  capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            rates["qiling"] = qiling_calls / float(proc.stdout.strip().splitlines()[-1])
        else:
            why = f"qiling run failed: {proc.stderr.strip()[-300:]}"
    if why:
        print(f"qiling: {why}", file=sys.stderr)

    print(f"getpid loop, syscalls/s ({args.calls:,} on the machine, {native_calls:,} native and under qemu):")
    for name, rate in rates.items():
        print(f"  {name:10} {rate:>14,.0f}/s  {1e6 / rate:8.3f} us/call")
    ok = True
    native_ratio = rates["native"] / rates["machine"]
    ok &= native_ratio <= TARGET_NATIVE
    print(f"native / machine      {native_ratio:7.1f}x  (target <= {TARGET_NATIVE:.0f}x, stretch <= "
          f"{STRETCH_NATIVE:.0f}x: {'met' if native_ratio <= STRETCH_NATIVE else 'not met'})")
    if "qemu-user" in rates:
        print(f"qemu-user / machine   {rates['qemu-user'] / rates['machine']:7.1f}x")
    if "qiling" in rates:
        over = rates["machine"] / rates["qiling"]
        ok &= over >= TARGET_QILING
        print(f"machine / qiling      {over:7.1f}x  (target >= {TARGET_QILING:.0f}x)")

    vdso = build_c_program(REPO / "examples" / "vdso.c", build_user_library())
    vcalls = max(args.calls // 10, 1000)
    for where, costs in (("machine", vdso_costs(vdso, vcalls, False)),
                         ("native", vdso_costs(vdso, 100 * vcalls, True))):
        v, s = costs["vdso ns"], costs["syscall ns"]
        print(f"gettimeofday on the {where}: vDSO {v} ns, syscall {s} ns "
              f"({s / max(v, 1):.0f}x cheaper through the vDSO)")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
