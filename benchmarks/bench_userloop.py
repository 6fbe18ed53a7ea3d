"""A loop without system calls: the machine against native and qemu-user, and the price of the interrupt line.

The same static glibc binary (benchmarks/userloop.c: N iterations of a loop of
three translated blocks) runs natively, under qemu-x86_64 and on the machine.
On the machine no Python runs at all while it loops; what it costs beyond
QEMU's own translation is the interrupt line's block hook (hw/irq.py), a
call into machine code before every user-mode block, which is what lets
Ctrl-C stop such a loop at an exact instruction. The last figure is a
machine built without the line (which nothing could then interrupt): the
price of the line alone. Best of N runs; ratios from this one run.

    .venv/bin/python benchmarks/bench_userloop.py [--iterations N] [--runs R]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import syscalltbl.machine.machine as machine_module
from syscalltbl.machine.machine import Machine

SOURCE = Path(__file__).with_name("userloop.c")


class _NoLine:
    """A line nobody raises, and no hook: the machine as it was before the line existed."""

    def __init__(self, *_: object) -> None:
        pass

    def raise_line(self) -> None:
        pass

    def take_fired(self) -> bool:
        return False


def best(runs: int, once: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return min(times)


def on_machine(program: Path, iterations: int, runs: int, *, line: bool) -> float:
    if line:
        machine = Machine()
    else:
        with mock.patch.object(machine_module, "InterruptLine", _NoLine):
            machine = Machine()

    def once() -> None:
        status = machine.run(program, [program.name, str(iterations)], timeout=600)
        assert status.signal is None, status

    return best(runs, once)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    gcc = shutil.which("gcc")
    if gcc is None:
        print("gcc is missing: install Debian's gcc and libc6-dev", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        program = Path(scratch) / "userloop"
        subprocess.run([gcc, "-static", "-O1", "-o", str(program), str(SOURCE)], check=True)
        argv = [str(program), str(args.iterations)]
        seconds = {"native": best(args.runs, lambda: subprocess.run(argv, check=False))}
        qemu = shutil.which("qemu-x86_64")
        if qemu is not None:
            seconds["qemu-user"] = best(args.runs, lambda: subprocess.run([qemu, *argv], check=False))
        seconds["machine"] = on_machine(program, args.iterations, args.runs, line=True)
        seconds["machine, no line"] = on_machine(program, args.iterations, args.runs, line=False)
    print(f"loop without system calls, {args.iterations:,} iterations, best of {args.runs}:")
    for name, value in seconds.items():
        rate = args.iterations / value / 1e6
        print(f"  {name:18} {value:8.3f} s  {rate:8.1f} M iterations/s  {value / seconds['native']:6.1f}x native")
    if "qemu-user" in seconds:
        print(f"machine / qemu-user    {seconds['machine'] / seconds['qemu-user']:6.2f}x")
    print(f"the interrupt line     {seconds['machine'] / seconds['machine, no line']:6.2f}x the machine without it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
