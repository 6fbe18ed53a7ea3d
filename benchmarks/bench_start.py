"""`syscalltbl run /bin/busybox true`: start-up against qemu-user and native, wall and cpu time, and where it goes.

Issue 20, point 3: under 100 ms wall with warm caches. The same static
program (Debian's busybox-static, `true`) runs natively, under
`qemu-x86_64` and through the console script next to this Python, each -n
times (default 5), interleaved, after one unmeasured round that warms the
caches (the kernel image, the syscall families' index, Python's bytecode:
the environment is cleared, so PYTHONDONTWRITEBYTECODE does not reach the
runs). Each run's wall time and cpu time (user + sys of the process, from
getrusage of the children) are recorded; the best of each is printed, with
`python -c pass` for reference. --split adds the phases of one run in this process's own Python,
best of -n fresh processes: the CLI's import, the machine's import, Machine(),
the start of the program and its run. --baseline REV adds REV's tree
(exported with `git archive`) as one more runner, `python -m syscalltbl run`
with its src/ first on PYTHONPATH, beside this tree's run the same way.

    .venv/bin/python benchmarks/bench_start.py [-n N] [--split] [--no-qemu] [--baseline REV] [--check]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from revisions import export

REPO = Path(__file__).resolve().parent.parent

BUSYBOX = "/bin/busybox"
ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
TARGET_MS = 100.0
#: Run in a fresh Python by --split: each phase's wall and cpu milliseconds, one line each.
SPLIT = """
import time
marks = [(time.perf_counter(), time.process_time())]
def mark(name):
    marks.append((time.perf_counter(), time.process_time()))
    wall, cpu = (marks[-1][0] - marks[-2][0]) * 1000, (marks[-1][1] - marks[-2][1]) * 1000
    print(f"{name}\\t{wall:.2f}\\t{cpu:.2f}")
import gc
gc.disable()  # as cli/entry.py imports the CLI for `run`: the collector off, then its objects frozen
import syscalltbl.cli.main
gc.freeze()
gc.enable()
mark("import the CLI")
gc.disable()  # as `run` imports the machine: the collector off, then its objects frozen
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.kernel.pid1 import Pid1
gc.freeze()
gc.enable()
mark("import the machine")
m = Machine(root="/")
mark("Machine(): tables, kernel image, boot")
task = m.start(%(busybox)r, [%(busybox)r, "true"], ["PATH=/usr/bin:/bin"], cwd=b"/", pid1=Pid1.INIT)
mark("start: init, execve")
status = m.schedule(task, 30.0)
assert status.code == 0 and status.signal is None, status
mark("run to the end")
"""


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and cpu (user + sys) milliseconds of one run, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=120)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall * 1000, cpu * 1000



def runners(use_qemu: bool, baseline: tuple[str, Path] | None) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Each runner's argv and environment."""
    cli = Path(sys.executable).parent / "syscalltbl"
    if not cli.exists():
        raise SystemExit(f"no console script {cli}: run this with the venv's python")
    run = ["run", "--env-clear", *(f"--env={k}={v}" for k, v in ENV.items()), BUSYBOX, "true"]
    found = {"native": ([BUSYBOX, "true"], ENV)}
    qemu = shutil.which("qemu-x86_64") if use_qemu else None
    if qemu is not None:
        found["qemu-user"] = ([qemu, BUSYBOX, "true"], ENV)
    found["python -c pass"] = ([sys.executable, "-c", "pass"], ENV)
    found["syscalltbl run"] = ([str(cli), *run], ENV)
    if baseline is not None:
        revision, src = baseline
        module = [sys.executable, "-m", "syscalltbl", *run]
        found["this tree, -m"] = (module, {**ENV, "PYTHONPATH": str(REPO / "src")})
        found[f"{revision}, -m"] = (module, {**ENV, "PYTHONPATH": str(src)})
    return found


def split(runs: int) -> list[tuple[str, float, float]]:
    """Each phase's best wall and best cpu milliseconds over `runs` fresh processes."""
    best: dict[str, tuple[float, float]] = {}
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", SPLIT % {"busybox": BUSYBOX}], env=ENV, capture_output=True,
                              text=True, check=True)
        for line in proc.stdout.splitlines():
            name, wall, cpu = line.split("\t")
            before = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(before[0], float(wall)), min(before[1], float(cpu)))
    return [(name, wall, cpu) for name, (wall, cpu) in best.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, metavar="N", help="runs of each command, best counts (default 5)")
    parser.add_argument("--split", action="store_true", help="also time the phases of a run, in fresh Pythons")
    parser.add_argument("--no-qemu", action="store_true", help="leave qemu-user out")
    parser.add_argument("--baseline", metavar="REV", help="also time REV's tree (git archive), as `python -m`")
    parser.add_argument("--check", action="store_true", help=f"exit 1 unless the best wall is under {TARGET_MS:.0f} ms")
    args = parser.parse_args()
    if not os.path.isfile(BUSYBOX):
        print(f"{BUSYBOX} is missing: apt-get install busybox-static", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        baseline = None if args.baseline is None else (args.baseline, export(args.baseline, Path(tmp)))
        commands = runners(not args.no_qemu, baseline)
        for argv, env in commands.values():  # the unmeasured round: caches and bytecode warm
            timed(argv, env)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.n):
            for name, (argv, env) in commands.items():
                wall, cpu = timed(argv, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{BUSYBOX} true, best of {args.n}, interleaved (load average {load}, {os.cpu_count()} cpus)")
    print(f"{'runner':<20} {'wall ms':>9} {'cpu ms':>9}")
    for name in commands:
        print(f"{name:<20} {min(walls[name]):>9.1f} {min(cpus[name]):>9.1f}")
    mine = min(walls["syscalltbl run"])
    for other in ("native", "qemu-user"):
        if other in commands:
            print(f"syscalltbl run / {other}: {mine / min(walls[other]):.1f}x wall")
    if args.split:
        print(f"\nphases of a run (in-process, best of {args.n} fresh processes):")
        print(f"{'phase':<40} {'wall ms':>9} {'cpu ms':>9}")
        for name, wall, cpu in split(args.n):
            print(f"{name:<40} {wall:>9.1f} {cpu:>9.1f}")
    verdict = "PASS" if mine < TARGET_MS else "FAIL"
    print(f"\ntarget: run busybox true under {TARGET_MS:.0f} ms wall: {mine:.1f} ms {verdict}")
    return 1 if args.check and mine >= TARGET_MS else 0


if __name__ == "__main__":
    raise SystemExit(main())
