"""The machine against its peers: the same programs natively, under qemu-user, under Blink and on the machine.

Issue 20, point 1. Each workload runs natively, under `qemu-x86_64` (Debian's
qemu-user), under Blink when a built `blink` is on PATH (it is not packaged:
the column is left empty, with a note, when it is absent) and on the machine
(`syscalltbl run`, the console script next to this Python), each runner -n
times, interleaved run by run so that drift in the host's load spreads over
all of them; the best time of each counts. Times are of whole processes, as a
user sees them. Two workloads run at two sizes, and their rate is
(N2 - N1) / (t2 - t1), so that start-up (Python, the boot, qemu's own) cancels:

  getpid        a loop of getpid through `syscall` (benchmarks/runtime_getpid.py's program), calls/s
  busybox       busybox sh -c '<bench_busybox.py's script>': forks, pipes, re-executions; outputs must agree
  bash          a bash loop of 20,000 arithmetic iterations (Debian's bash-static if it can be had, else /bin/bash)
  forks         200 command substitutions `x=$(echo)` in busybox sh: 200 forks and waits
  futex         benchmarks/futex_pingpong.c: two threads hand a turn back and forth, round trips/s
  true          Debian's dynamically linked /bin/true: ld.so's start-up
  start         busybox true: start-up alone, and for the machine a -X importtime breakdown of the run path

Ratios are the machine's time over the other runner's (for a rate, its time
per call): above 1 the machine is slower. A run whose stdout or status is not
the native run's is a failure: it is printed, and the exit status is 1.
The summary judges issue 20's targets; --check exits 1 when one is missed.
If benchmarks/syscall_floors.py is present, the floors it measures are
printed beside the getpid rate.

    .venv/bin/python benchmarks/peers.py [-n N] [--only NAME] [--no-qemu] [--no-install] [--check]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench_busybox import BUSYBOX, SCRIPT
from bench_busybox import ENV as BUSYBOX_ENV
from bench_dynamic_start import DYNAMIC
from bench_dynamic_start import ENV as DYNAMIC_ENV
from bench_kernel import BenchmarkError, Import, console_script, imported, parse_importtime, print_imports
from bench_runtime import getpid_loop
from bench_threads import PINGPONG
from debian_tools import installed

RUNNERS = ("native", "qemu-user", "blink", "machine")
BASH_LOOP = "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"
FORKS = "i=0; while [ $i -lt 200 ]; do x=$(echo); i=$((i+1)); done"
HEAVY = ("lark", "jinja2", "networkx", "elftools")
#: Sizes of the two-size workloads, per runner: the machine's smaller, so a run stays a few seconds.
GETPID_SIZES = {"native": (500_000, 2_500_000), "machine": (50_000, 350_000)}
FUTEX_SIZES = {"native": (2_000, 20_000), "machine": (100, 600)}
TIMEOUT = 600
QEMU_EXEC_NOTE = ("busybox: qemu-user runs what the script execs (busybox re-executing itself through "
                  "/proc/self/exe) natively, with no binfmt_misc handler: its time is a lower bound")
NAMES = ("getpid", "busybox", "bash", "forks", "futex", "true", "start")


@dataclass(frozen=True, slots=True)
class Workload:
    """One program, as each runner runs it: argv per (runner, size); size 0 for a one-size workload."""

    name: str
    title: str
    argvs: dict[tuple[str, int], list[str]]
    env: dict[str, str]
    cwd: Path | None = None
    unit: str = ""  # a two-size workload's unit of work ("calls"): its figure is a rate
    any_status: bool = False  # the getpid loop exits with its pid
    note: str = ""  # what was chosen, printed with the results


@dataclass(slots=True)
class Outcome:
    """One workload's best times per (runner, size), or why a runner failed."""

    best: dict[tuple[str, int], float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def figure(self, workload: Workload, runner: str) -> float | None:
        """Seconds for a one-size workload, units per second for a two-size one; None if absent or failed."""
        if runner in self.failed:
            return None
        sizes = sorted(size for r, size in workload.argvs if r == runner)
        if not sizes or any((runner, size) not in self.best for size in sizes):
            return None
        if not workload.unit:
            return self.best[(runner, 0)]
        small, large = sizes
        spent = self.best[(runner, large)] - self.best[(runner, small)]
        return (large - small) / spent if spent > 0 else None

    def cost(self, workload: Workload, runner: str) -> float | None:
        """Time per unit of work: a one-size workload's seconds, or a rate's inverse."""
        value = self.figure(workload, runner)
        if value is None or not workload.unit:
            return value
        return 1 / value


@dataclass(frozen=True, slots=True)
class Tools:
    """The runners' command prefixes: absent runners are missing, with the reason in `notes`."""

    prefixes: dict[str, list[str]]
    notes: list[str]
    cli: Path


def find_tools(use_qemu: bool, install: bool) -> Tools:
    cli = console_script(Path(sys.executable))
    prefixes: dict[str, list[str]] = {"native": []}
    notes: list[str] = []
    if use_qemu:
        qemu = installed("qemu-x86_64", "qemu-user", install)
        if qemu is None:
            notes.append("qemu-user: qemu-x86_64 not found and not installable here")
        else:
            prefixes["qemu-user"] = [qemu]
    else:
        notes.append("qemu-user: not run (--no-qemu)")
    blink = shutil.which("blink")
    if blink is None:
        notes.append("blink: no built `blink` on PATH (it is not packaged): its column is empty")
    else:
        prefixes["blink"] = [blink]
    prefixes["machine"] = [str(cli), "run"]
    return Tools(prefixes, notes, cli)


def machine_options(env: dict[str, str], root: Path | None = None, cwd: str | None = None) -> list[str]:
    """`syscalltbl run` options giving the program the environment (and root, cwd) its native run has."""
    options = ["--env-clear", *(f"--env={key}={value}" for key, value in env.items())]
    if root is not None:
        options += ["--root", str(root)]
    if cwd is not None:
        options += ["--cwd", cwd]
    return options


def commands(tools: Tools, program: list[str], options: list[str]) -> dict[str, list[str]]:
    """Each runner's argv for `program`; `options` go to `syscalltbl run` only."""
    out = {}
    for runner, prefix in tools.prefixes.items():
        out[runner] = [*prefix, *options, *program] if runner == "machine" else [*prefix, *program]
    return out


def one_size(name: str, title: str, argvs: dict[str, list[str]], env: dict[str, str],
             cwd: Path | None = None) -> Workload:
    return Workload(name, title, {(runner, 0): argv for runner, argv in argvs.items()}, env, cwd)


def two_sizes(name: str, title: str, unit: str, tools: Tools, sizes: dict[str, tuple[int, int]],
              program: Callable[[int], list[str]], env: dict[str, str], any_status: bool = False) -> Workload:
    """The program at two sizes per runner (emulators take the native sizes, the machine its own)."""
    argvs: dict[tuple[str, int], list[str]] = {}
    options = machine_options(env)
    for runner in tools.prefixes:
        for size in sizes.get(runner, sizes["native"]):
            argvs[(runner, size)] = commands(tools, program(size), options)[runner]
    return Workload(name, title, argvs, env, unit=unit, any_status=any_status)


def static_bash(install: bool) -> tuple[str, str]:
    """A bash to loop in, and what it is: Debian's bash-static (installed if allowed), else the host's /bin/bash."""
    found = installed("bash-static", "bash-static", install)
    if found is not None:
        return found, f"{found}, static (Debian's bash-static)"
    return "/bin/bash", "/bin/bash, dynamic, from the default root (bash-static not installed: run as root " \
                        "without --no-install to install it)"


def workloads(tools: Tools, scratch: Path, install: bool) -> dict[str, Callable[[], Workload]]:
    """Each workload by name, made (programs built, files copied) only when it runs."""
    root = scratch / "root"  # bench_busybox.py's root: busybox alone, so every applet is busybox's
    busybox = str(root / "bin" / "busybox")
    in_root = machine_options(BUSYBOX_ENV, root, "/work")
    plain = machine_options(DYNAMIC_ENV)

    def busybox_sh(name: str, title: str, script: str) -> Workload:
        if not root.is_dir():
            (root / "bin").mkdir(parents=True)
            (root / "work").mkdir()
            shutil.copy(BUSYBOX, busybox)
        return one_size(name, title, commands(tools, [busybox, "sh", "-c", script], in_root), BUSYBOX_ENV,
                        root / "work")

    def bash_loop() -> Workload:
        bash, what = static_bash(install)
        loop = one_size("bash", f"bash loop, 20,000 iterations ({'static' if 'static' in what else 'dynamic'})",
                        commands(tools, [bash, "-c", BASH_LOOP], plain), DYNAMIC_ENV)
        return replace(loop, note=f"bash: {what}")

    def futex() -> Workload:
        pingpong = scratch / "futex_pingpong"
        subprocess.run(["gcc", "-static", "-pthread", "-O2", "-o", str(pingpong), str(PINGPONG)], check=True)
        return two_sizes("futex", "futex ping-pong, 2 threads", "round trips", tools, FUTEX_SIZES,
                         lambda n: [str(pingpong), str(n)], DYNAMIC_ENV)

    return {
        "getpid": lambda: two_sizes("getpid", "getpid through `syscall`", "calls", tools, GETPID_SIZES,
                                    lambda n: [str(getpid_loop(n))], DYNAMIC_ENV, any_status=True),
        "busybox": lambda: replace(busybox_sh("busybox", "busybox sh -c 'for i in $(seq 20); ...'", SCRIPT),
                                   note=QEMU_EXEC_NOTE),
        "bash": bash_loop,
        "forks": lambda: busybox_sh("forks", "busybox sh, 200 x $(echo)", FORKS),
        "futex": futex,
        "true": lambda: one_size("true", f"dynamic {DYNAMIC} start-up", commands(tools, [DYNAMIC], plain),
                                 DYNAMIC_ENV),
        "start": lambda: one_size("start", f"{BUSYBOX} true", commands(tools, [str(BUSYBOX), "true"], plain),
                                  DYNAMIC_ENV),
    }


def run_once(workload: Workload, argv: list[str]) -> tuple[float, int, bytes, bytes]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=workload.cwd, env=workload.env, capture_output=True, check=False,
                          timeout=TIMEOUT)
    return time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr


def measure(workload: Workload, repetitions: int) -> Outcome:
    """Every (runner, size) `repetitions` times, interleaved; each checked against the native run of its size."""
    outcome = Outcome()
    expected: dict[int, tuple[int, bytes]] = {}
    # One untimed run per runner first: a fresh cache makes the machine's first run build its kernel
    # image, which would leave the small size slower than the large one and no rate at all.
    warmed: set[str] = set()
    for (runner, _size), argv in workload.argvs.items():
        if runner not in warmed:
            warmed.add(runner)
            with contextlib.suppress(subprocess.TimeoutExpired):
                run_once(workload, argv)
    for _ in range(repetitions):
        for (runner, size), argv in workload.argvs.items():
            if runner in outcome.failed:
                continue
            try:
                elapsed, status, stdout, stderr = run_once(workload, argv)
            except subprocess.TimeoutExpired:
                outcome.failed[runner] = f"did not end within {TIMEOUT} s"
                continue
            if runner == "native":
                expected.setdefault(size, (status, stdout))
            want_status, want_stdout = expected.get(size, (0, stdout))
            if (status != want_status and not workload.any_status) or stdout != want_stdout:
                outcome.failed[runner] = (f"status {status}, stdout {stdout[-120:]!r} (native: {want_status}, "
                                          f"{want_stdout[-120:]!r}); stderr {stderr.decode(errors='replace')[-300:]!r}")
                continue
            outcome.best[(runner, size)] = min(elapsed, outcome.best.get((runner, size), float("inf")))
    return outcome


def show(workload: Workload, value: float | None) -> str:
    if value is None:
        return "-"
    if workload.unit:
        for scale, suffix in ((1e6, "M"), (1e3, "K")):
            if value >= scale:
                return f"{value / scale:.3g} {suffix}/s"
        return f"{value:.3g} /s"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.3f} s"


def ratio(outcome: Outcome, workload: Workload, other: str) -> str:
    mine, theirs = outcome.cost(workload, "machine"), outcome.cost(workload, other)
    return "-" if mine is None or theirs is None else f"{mine / theirs:.2f}x"


def print_table(results: list[tuple[Workload, Outcome]], repetitions: int) -> None:
    print(f"best of {repetitions}, interleaved; rates are (N2 - N1) / (t2 - t1) over two sizes; "
          "ratios: the machine's time (per call) over the other's")
    header = f"{'workload':<42} " + " ".join(f"{r:>12}" for r in RUNNERS) + f" {'mach/native':>12} {'mach/qemu':>10}"
    print(header)
    print("-" * len(header))
    for workload, outcome in results:
        unit = f", {workload.unit}/s" if workload.unit else ""
        cells = " ".join(f"{show(workload, outcome.figure(workload, r)):>12}" for r in RUNNERS)
        print(f"{workload.title + unit:<42} {cells} {ratio(outcome, workload, 'native'):>12} "
              f"{ratio(outcome, workload, 'qemu-user'):>10}")
    for workload, outcome in results:
        for runner, why in outcome.failed.items():
            print(f"FAILED: {workload.name} on {runner}: {why}")


def import_breakdown(cli: Path) -> list[Import]:
    """`syscalltbl run /bin/busybox true` once more under -X importtime (caches warm from the timed runs)."""
    argv = [sys.executable, "-X", "importtime", str(cli), "run", str(BUSYBOX), "true"]
    proc = subprocess.run(argv, env=DYNAMIC_ENV, capture_output=True, text=True, check=False, timeout=TIMEOUT)
    return parse_importtime(proc.stderr)


def print_imports_of_run(imports: list[Import]) -> None:
    print_imports(f"\nimports of `syscalltbl run {BUSYBOX} true` (-X importtime)", imports, 12)
    print("  heavy packages: " + ", ".join(
        f"{package} {'imported' if imported(imports, package) else 'not imported'}" for package in HEAVY))


def floors(runs: int) -> list[tuple[str, float]] | None:
    """benchmarks/syscall_floors.py's measure(), if that module exists: best of `runs` if it takes `runs`."""
    try:
        module = importlib.import_module("syscall_floors")
    except ModuleNotFoundError as missing:
        if missing.name != "syscall_floors":
            raise
        return None
    measure_floors: Callable[..., list[tuple[str, float]]] = module.measure
    takes_runs = "runs" in inspect.signature(measure_floors).parameters
    return measure_floors(runs=runs) if takes_runs else measure_floors()


def print_floors(rows: list[tuple[str, float]]) -> None:
    print("\nfloors beside the getpid rate (benchmarks/syscall_floors.py, calls/s):")
    for name, value in rows:
        print(f"  {name:<56} {value:>14,.0f}/s")


def targets(results: dict[str, tuple[Workload, Outcome]]) -> list[tuple[str, bool | None, str]]:
    """Issue 20's targets: (target, passed or None when not measured in this run, the figure)."""

    def over_qemu(name: str, limit: float) -> tuple[str, bool | None, str]:
        label = f"{name} within {limit}x of qemu-user"
        if name not in results:
            return label, None, "not run"
        workload, outcome = results[name]
        mine, qemu = outcome.cost(workload, "machine"), outcome.cost(workload, "qemu-user")
        if mine is None or qemu is None:
            return label, None, "no figure"
        return label, mine / qemu <= limit, f"{mine / qemu:.2f}x"

    checks = [over_qemu("busybox", 1.5)]
    label = "getpid >= 600K calls/s on the machine"
    rate = results["getpid"][1].figure(results["getpid"][0], "machine") if "getpid" in results else None
    checks.append((label, None, "not run") if rate is None else (label, rate >= 600_000, f"{rate:,.0f}/s"))
    checks.append(over_qemu("bash", 2.0))
    label = "run busybox true < 100 ms wall"
    wall = results["start"][1].figure(results["start"][0], "machine") if "start" in results else None
    checks.append((label, None, "not run") if wall is None else (label, wall < 0.100, f"{wall * 1000:.1f} ms"))
    return checks


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def machine_engine() -> str:
    """Which Unicorn `syscalltbl run` loads (hw/cpu.py's engine), asked in the cleared environment the runs get:
    this Python's environment, with no LIBUNICORN_PATH reaching it."""
    proc = subprocess.run([sys.executable, "-c", "from syscalltbl.machine.hw.cpu import engine; print(engine())"],
                          env=DYNAMIC_ENV, capture_output=True, text=True, check=False)  # fmt: skip
    return proc.stdout.strip() or f"unknown ({proc.stderr.strip()[-200:]})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=3, metavar="N", help="runs of each command, best counts (default 3)")
    parser.add_argument("--only", metavar="NAME", choices=NAMES,
                        help="run one workload: getpid, busybox, bash, forks, futex, true or start")
    parser.add_argument("--no-qemu", action="store_true", help="leave qemu-user out")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get busybox-static, qemu-user, "
                                                                   "bash-static")
    parser.add_argument("--check", action="store_true", help="exit 1 if an issue 20 target is missed")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("-n must be at least 1")
    install = not args.no_install
    if installed("busybox", "busybox-static", install) is None or not BUSYBOX.is_file():
        print(f"{BUSYBOX} is missing: apt-get install busybox-static", file=sys.stderr)
        return 1
    try:
        tools = find_tools(not args.no_qemu, install)
    except BenchmarkError as missing:
        print(f"peers: {missing}", file=sys.stderr)
        return 1
    print(f"peers: {load()} at the start")
    print(f"peers: the machine runs {machine_engine()}")
    results: dict[str, tuple[Workload, Outcome]] = {}
    imports: list[Import] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in workloads(tools, Path(tmp), install).items():
            if args.only not in (None, name):
                continue
            print(f"  running {name} ...", file=sys.stderr, flush=True)
            workload = make()
            results[name] = (workload, measure(workload, args.n))
            if name == "start":
                imports = import_breakdown(tools.cli)
    print(f"peers: {load()} at the end")
    for note in [*tools.notes, *(workload.note for workload, _ in results.values() if workload.note)]:
        print(f"  note: {note}")
    print()
    print_table(list(results.values()), args.n)
    if imports:
        print_imports_of_run(imports)
    if "getpid" in results:
        rows = floors(args.n)
        if rows is not None:
            print_floors(rows)
    print("\nissue 20 targets:")
    missed = False
    for label, passed, figure in targets(results):
        verdict = "n/a" if passed is None else ("PASS" if passed else "FAIL")
        missed |= passed is False
        print(f"  {label:<42} {figure:>14}  {verdict}")
    failed = any(runner != "blink" for _, outcome in results.values() for runner in outcome.failed)
    return 1 if failed or (args.check and missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
