"""A loop without system calls: the machine against native and qemu-user, and the price of the interrupt line.

The same static glibc binary (benchmarks/userloop.c: N iterations of a loop of
three translated blocks) runs natively, under qemu-x86_64 and on the machine.
On the machine no Python runs at all while it loops; what it costs beyond
QEMU's own translation is the interrupt line's block hook (hw/irq.py), a
call into machine code before every user-mode block, which is what lets
Ctrl-C stop such a loop at an exact instruction. The last figure is a
machine built without the line (which nothing could then interrupt): the
price of the line alone. Best of N runs; ratios from this one run.

With --bash N the loop is bash's own (`i=$((i+1))` N times: dynamic bash,
its interpreter loop, malloc and indirect calls, no system calls in the
loop) under qemu-user and on the machine (root /), interleaved. Each figure
is wall and cpu time (user + sys: on a loaded host the wall time mostly
measures the load), and the cpu time of `bash -c true` beside it, so the
loop's own cost is the difference (docs/performance.md).

    .venv/bin/python benchmarks/bench_userloop.py [--iterations N] [--runs R]
    .venv/bin/python benchmarks/bench_userloop.py --bash 20000 [--runs R]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import syscalltbl.machine.machine as machine_module
from syscalltbl.machine.hw.cpu import engine
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


def bash_loop(iterations: int) -> list[str]:
    return ["/bin/bash", "-c", f"i=0; while [ $i -lt {iterations} ]; do i=$((i+1)); done"]


def qemu_times(qemu: str, argv: list[str]) -> tuple[float, float]:
    """Wall and cpu (user + sys) seconds of one qemu-user run."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run([qemu, *argv], check=True)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, after.children_user - before.children_user + after.children_system - before.children_system


def machine_times(argv: list[str], *, line: bool) -> tuple[float, float]:
    """Wall and cpu seconds of one run on a fresh machine (root /), the machine's boot not counted."""
    if line:
        machine = Machine(root="/")
    else:
        with mock.patch.object(machine_module, "InterruptLine", _NoLine):
            machine = Machine(root="/")
    cpu = time.process_time()
    start = time.perf_counter()
    status = machine.run(argv[0], argv, timeout=600)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert status.code == 0 and status.signal is None, status
    return wall, cpu


def bash_main(iterations: int, runs: int) -> int:
    """The bash loop and `bash -c true`, under qemu-user and on the machine with and without the line."""
    qemu = shutil.which("qemu-x86_64")
    if qemu is None:
        print("qemu-x86_64 is missing: install Debian's qemu-user", file=sys.stderr)
        return 2
    runners: dict[str, Callable[[list[str]], tuple[float, float]]] = {
        "qemu-user": lambda argv: qemu_times(qemu, argv),
        "machine": lambda argv: machine_times(argv, line=True),
        "machine, no line": lambda argv: machine_times(argv, line=False),
    }
    loop, true = bash_loop(iterations), ["/bin/bash", "-c", "true"]
    best_of: dict[tuple[str, str], tuple[float, float]] = {}
    for _ in range(runs):  # interleaved: each round runs everything once
        for name, once in runners.items():
            for kind, argv in (("loop", loop), ("true", true)):
                wall, cpu = once(argv)
                old = best_of.get((name, kind), (float("inf"), float("inf")))
                best_of[name, kind] = (min(old[0], wall), min(old[1], cpu))
    print(f"engine: {engine()}")
    print(f"bash loop, {iterations:,} iterations, best of {runs} (wall / cpu seconds; 'own' = loop cpu - true cpu):")
    own = {name: best_of[name, "loop"][1] - best_of[name, "true"][1] for name in runners}
    for name in runners:
        (wall, cpu), (_, true_cpu) = best_of[name, "loop"], best_of[name, "true"]
        print(f"  {name:18} {wall:7.3f} / {cpu:7.3f} s   bash -c true {true_cpu:6.3f} s cpu"
              f"   own {own[name]:6.3f} s cpu")
    print(f"machine / qemu-user    wall {best_of['machine', 'loop'][0] / best_of['qemu-user', 'loop'][0]:5.2f}x"
          f"   cpu {best_of['machine', 'loop'][1] / best_of['qemu-user', 'loop'][1]:5.2f}x"
          f"   own cpu {own['machine'] / own['qemu-user']:5.2f}x")
    print(f"the interrupt line     own cpu {own['machine'] / own['machine, no line']:5.2f}x the machine without it")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bash", type=int, metavar="N", help="bash's own loop of N iterations instead (dynamic bash)")
    args = parser.parse_args()
    if args.bash is not None:
        return bash_main(args.bash, args.runs)
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
    print(f"engine: {engine()}")
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
