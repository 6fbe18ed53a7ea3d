"""Threads on the machine against native and qemu-user: a futex ping-pong and 1000 goroutines.

Two static programs, each run natively, under qemu-x86_64 and on the machine,
best of N runs, printed as ratios from this one run:

- benchmarks/futex_pingpong.c (gcc -static -pthread): two threads hand a turn
  back and forth R times through one futex word, so each round trip is two
  FUTEX_WAKEs, up to two FUTEX_WAITs and two switches between threads;
- benchmarks/goroutines.go (go build, CGO_ENABLED=0): 1000 goroutines square
  20,000 numbers passed over channels under a WaitGroup, start-up of Go's
  runtime included.

On the machine each program runs in a Machine built beforehand, so the figure
is the run, not Python's start-up. A run that fails (on the machine: a
missing system call) is printed as such with its status, and the others go on.

    .venv/bin/python benchmarks/bench_threads.py [--rounds R] [--goroutines G] [--runs N]
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

from syscalltbl.machine.machine import Machine
from syscalltbl.store import cachedir

HERE = Path(__file__).resolve().parent
PINGPONG = HERE / "futex_pingpong.c"
GOROUTINES = HERE / "goroutines.go"


class Failed(Exception):
    """A run did not end as the program's native run does."""


def best(runs: int, once: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return min(times)


def build(scratch: Path) -> dict[str, Path]:
    """Both programs, static; a missing compiler is an error naming its Debian package."""
    gcc, go = shutil.which("gcc"), shutil.which("go")
    if gcc is None or go is None:
        raise SystemExit("gcc or go is missing: install Debian's gcc, libc6-dev and golang-go")
    pingpong = scratch / "futex_pingpong"
    subprocess.run([gcc, "-static", "-pthread", "-O2", "-o", str(pingpong), str(PINGPONG)], check=True)
    goroutines = scratch / "goroutines"
    cache = cachedir.root() / "bench-go"
    # Standard library only: no module proxy, no network; Go's build cache kept between runs.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cache), "GOCACHE": str(cache / "build"),
           "GOPATH": str(cache / "gopath"), "CGO_ENABLED": "0", "GO111MODULE": "off", "GOPROXY": "off"}
    subprocess.run([go, "build", "-trimpath", "-o", str(goroutines), str(GOROUTINES)], env=env, check=True)
    return {"futex ping-pong": pingpong, "1000 goroutines": goroutines}


def host_run(argv: list[str], expected: bytes) -> Callable[[], None]:
    def once() -> None:
        proc = subprocess.run(argv, capture_output=True, timeout=600, check=False)
        if proc.returncode != 0 or proc.stdout != expected:
            raise Failed(f"status {proc.returncode}, stdout {proc.stdout[-200:]!r}")

    return once


def machine_run(program: Path, args: list[str], expected: bytes, stdio: tuple[int, int]) -> Callable[[], None]:
    """Runs on one Machine, built here: the figure is the program's run, not the machine's boot."""
    stdin, stdout = stdio
    machine = Machine(stdio=(stdin, stdout, 2))

    def once() -> None:
        os.ftruncate(stdout, 0)
        os.lseek(stdout, 0, os.SEEK_SET)
        status = machine.run(program, [program.name, *args], timeout=600)
        got = os.pread(stdout, 1 << 16, 0)
        if status.code != 0 or got != expected:
            raise Failed(f"{status}, stdout {got[-200:]!r}")

    return once


def measure(program: Path, args: list[str], runs: int, scratch: Path) -> dict[str, float | str]:
    native = subprocess.run([str(program), *args], capture_output=True, timeout=600, check=True).stdout
    runners = {"native": host_run([str(program), *args], native)}
    qemu = shutil.which("qemu-x86_64")
    if qemu is not None:
        runners["qemu-user"] = host_run([qemu, str(program), *args], native)
    with open(os.devnull, "rb") as stdin, open(scratch / f"{program.name}.out", "w+b") as stdout:
        runners["machine"] = machine_run(program, args, native, (stdin.fileno(), stdout.fileno()))
        results: dict[str, float | str] = {}
        for runner, once in runners.items():
            try:
                results[runner] = best(runs, once)
            except Failed as failure:
                results[runner] = f"failed: {failure}"
            except subprocess.TimeoutExpired:
                results[runner] = "failed: did not end within 600 s"
    return results


def report(name: str, detail: str, results: dict[str, float | str]) -> None:
    print(f"{name}, {detail}:")
    native = results["native"]
    for runner, value in results.items():
        if isinstance(value, str):
            print(f"  {runner:10} {value}")
        else:
            ratio = f"{value / native:8.1f}x native" if isinstance(native, float) else ""
            print(f"  {runner:10} {value:8.3f} s  {ratio}")
    machine, qemu = results["machine"], results.get("qemu-user")
    if isinstance(machine, float) and isinstance(qemu, float):
        print(f"  machine / qemu-user {machine / qemu:6.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10_000, help="ping-pong round trips")
    parser.add_argument("--goroutines", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        programs = build(scratch)
        pingpong = measure(programs["futex ping-pong"], [str(args.rounds)], args.runs, scratch)
        goroutines = measure(programs["1000 goroutines"], [str(args.goroutines)], args.runs,
                             scratch)
    report("futex ping-pong between two threads", f"{args.rounds:,} round trips, best of {args.runs}", pingpong)
    report("goroutines over channels", f"{args.goroutines:,} goroutines, 20,000 messages, best of {args.runs}",
           goroutines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
