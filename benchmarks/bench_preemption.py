"""The price of preemption: the getpid loop, the busybox script and a loop without system calls, before and after.

Each figure is taken on two trees, interleaved run by run so that drift in
the host's load spreads over both: this script's own tree ("after") and a
baseline revision exported with `git archive` ("before", default BASELINE,
the last revision without preemption). Each run is a fresh Python whose
PYTHONPATH puts that tree's src/ first. Best of --runs; the ratios come from
this one run.

- getpid: benchmarks/runtime_getpid.py, system calls per second (a lone task:
  the tick is never armed).
- busybox: `syscalltbl run` of bench_busybox.py's script (forks, pipes,
  waits), wall time of the whole command.
- loop: benchmarks/looppair.c, N iterations of userloop.c's loop without
  system calls: alone; in a child whose parent waits in wait4 (the tick
  comes every slice and finds nobody else runnable); and in a parent and its
  child at once. Before, that pair ran one after the other (the parent's
  loop kept the cpu until it waited); after, the two alternate slice by
  slice, and what the pair takes beyond its time before, divided by the
  number of preemptions, is the price of one.

    .venv/bin/python benchmarks/bench_preemption.py [--baseline REV] [--runs R] [--iterations N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASELINE = "421202f"  # issue 14: the last revision before preemption
SCRIPT = "for i in $(seq 20); do seq 200 | sort -rn | wc -l; done | sort | uniq -c"
ENV = {"PATH": "/bin", "HOME": "/", "LC_ALL": "C"}
BUSYBOX = Path("/bin/busybox")
MODES = {
    "alone": "loop of {n:,}, alone",
    "waiter": "  in a child, the parent in wait4",
    "pair": "  in a parent and its child at once",
}


def export(revision: str, into: Path) -> Path:
    """`revision`'s src/ under `into`, as git archive writes it."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision, "src"],
                             capture_output=True, check=True).stdout  # fmt: skip
    tar = into / "src.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return into / "src"


def environment(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def getpid_rate(src: Path) -> float:
    out = subprocess.run([sys.executable, str(HERE / "runtime_getpid.py"), "-r", "1"], env=environment(src),
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    return float(out.split(": ", 1)[1].split(" syscalls/s")[0].replace(",", ""))


def busybox_seconds(src: Path, root: Path) -> tuple[float, str]:
    argv = [sys.executable, "-m", "syscalltbl", "run", "--root", str(root), "--cwd", "/work", "--env-clear"]
    argv += [arg for key, value in ENV.items() for arg in ("--env", f"{key}={value}")]
    argv += ["/bin/busybox", "sh", "-c", SCRIPT]
    start = time.perf_counter()
    proc = subprocess.run(argv, env=environment(src), capture_output=True, text=True, check=True)
    return time.perf_counter() - start, proc.stdout


def loop_seconds(src: Path, program: Path, iterations: int, mode: str) -> tuple[float, int]:
    """(seconds, preemptions) of one looppair run on the machine, in a fresh Python."""
    argv = [sys.executable, __file__, "--worker", str(program), str(iterations), mode]
    out = subprocess.run(argv, env=environment(src), capture_output=True, text=True, check=True).stdout
    seconds, preemptions = json.loads(out)
    return float(seconds), int(preemptions)


def worker(program: str, iterations: str, mode: str) -> None:
    """One timed run of looppair on this PYTHONPATH's machine; prints [seconds, preemptions]."""
    from syscalltbl.machine.kernel import sched
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.machine import Machine

    preemptions = 0
    real = getattr(sched, "preempt", None)  # absent before preemption
    if real is not None:

        def counted(machine: Machine, task: Task) -> None:
            nonlocal preemptions
            preemptions += 1
            real(machine, task)

        sched.preempt = counted
    machine = Machine()
    start = time.perf_counter()
    status = machine.run(program, [program, iterations, mode], timeout=600)
    seconds = time.perf_counter() - start
    if status.signal is not None:
        raise SystemExit(f"looppair {mode} died: {status.detail}")
    print(json.dumps([seconds, preemptions]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the revision to compare with (default {BASELINE})")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=50_000_000)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0
    gcc = shutil.which("gcc")
    if gcc is None or not BUSYBOX.is_file():
        print("needs gcc and libc6-dev, and busybox-static's /bin/busybox", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        (tmp / "before").mkdir()
        sides = {"before": export(args.baseline, tmp / "before"), "after": REPO / "src"}
        program = tmp / "looppair"
        subprocess.run([gcc, "-static", "-O1", "-o", str(program), str(HERE / "looppair.c")], check=True)
        root = tmp / "root"
        (root / "bin").mkdir(parents=True)
        (root / "work").mkdir()
        shutil.copy(BUSYBOX, root / "bin" / "busybox")

        rates: dict[str, list[float]] = {side: [] for side in sides}
        script: dict[str, list[float]] = {side: [] for side in sides}
        loops: dict[str, dict[str, list[float]]] = {mode: {side: [] for side in sides} for mode in MODES}
        preemptions: dict[str, int] = {}
        outputs: set[str] = set()
        for _ in range(args.runs):
            for side, src in sides.items():
                rates[side].append(getpid_rate(src))
                seconds, output = busybox_seconds(src, root)
                script[side].append(seconds)
                outputs.add(output)
                for mode in MODES:
                    seconds, preempted = loop_seconds(src, program, args.iterations, mode)
                    loops[mode][side].append(seconds)
                    if mode == "pair" and seconds == min(loops[mode][side]):
                        preemptions[side] = preempted
    if len(outputs) != 1:
        print(f"the busybox script's outputs differ: {outputs}", file=sys.stderr)
        return 1

    print(f"before: {args.baseline}, after: this tree; best of {args.runs}, interleaved")
    print(f"  {'':38} {'before':>12} {'after':>12} {'after/before':>13}")

    def row(name: str, before: float, after: float, unit: str, fmt: str) -> None:
        print(f"  {name:38} {before:{fmt}} {unit:3} {after:{fmt}} {unit:3} {after / before:12.3f}x")

    row("getpid loop, syscalls/s", max(rates["before"]), max(rates["after"]), "/s", "9,.0f")
    row("busybox script, wall time", min(script["before"]), min(script["after"]), "s", "9.3f")
    for mode, name in MODES.items():
        row(name.format(n=args.iterations), min(loops[mode]["before"]), min(loops[mode]["after"]), "s", "9.3f")
    pair, before = min(loops["pair"]["after"]), min(loops["pair"]["before"])
    if preemptions.get("after"):
        count = preemptions["after"]
        extra = pair - before
        print(f"the pair: {count} preemptions, one per {pair / count * 1000:.2f} ms; "
              f"{extra * 1000:+.0f} ms against one after the other, {extra / count * 1e6:+.0f} us each")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
