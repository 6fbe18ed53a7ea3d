"""The price of preemption: the getpid loop, the busybox script and a loop without system calls, before and after.

Each figure is taken on two trees, interleaved run by run so that drift in
the host's load spreads over both: this script's own tree ("after") and a
baseline revision exported with `git archive` ("before", default BASELINE,
the last revision without preemption). Each run is a fresh Python whose
PYTHONPATH puts that tree's src/ first. Best of --runs; the ratios come from
this one run. Two times are shown: wall time, and cpu time (the emulating
thread's own, or the whole command's for the busybox script), which the
host's other load moves less.

- getpid: runtime_getpid.py's loop of system calls (a lone task: the tick
  is never armed).
- busybox: `syscalltbl run` of bench_busybox.py's script (forks, pipes,
  waits), the whole command.
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
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from revisions import export

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASELINE = "421202f"  # issue 14: the last revision before preemption
SCRIPT = "for i in $(seq 20); do seq 200 | sort -rn | wc -l; done | sort | uniq -c"
ENV = {"PATH": "/bin", "HOME": "/", "LC_ALL": "C"}
BUSYBOX = Path("/bin/busybox")
GETPID_CALLS = 300_000
GETPID_LOOP = """
	.include "unistd_64.inc"
	.globl	_start
_start:
	movl	${calls}, %ebx
1:	movl	$__NR_getpid, %eax
	syscall
	decl	%ebx
	jnz	1b
	movq	%rax, %rdi
	movl	$__NR_exit_group, %eax
	syscall
"""  # runtime_getpid.py's
MODES = {
    "alone": "loop of {n:,}, alone",
    "waiter": "  in a child, the parent in wait4",
    "pair": "  in a parent and its child at once",
}



def environment(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def busybox_seconds(src: Path, root: Path) -> tuple[float, float, str]:
    """(wall, cpu) seconds of `syscalltbl run` of the script, and its output; cpu counts every thread."""
    argv = [sys.executable, "-m", "syscalltbl", "run", "--root", str(root), "--cwd", "/work", "--env-clear"]
    argv += [arg for key, value in ENV.items() for arg in ("--env", f"{key}={value}")]
    argv += ["/bin/busybox", "sh", "-c", SCRIPT]
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=environment(src), capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime, proc.stdout


def on_machine(src: Path, *args: str) -> tuple[float, float, int]:
    """(wall, cpu, preemptions) of one `worker` run in a fresh Python on `src`."""
    argv = [sys.executable, __file__, "--worker", *args]
    out = subprocess.run(argv, env=environment(src), capture_output=True, text=True, check=True).stdout
    wall, cpu, preemptions = json.loads(out)
    return float(wall), float(cpu), int(preemptions)


def worker(kind: str, *args: str) -> None:
    """One timed run on this PYTHONPATH's machine; prints [wall, cpu, preemptions].

    kind "getpid" CALLS, or "loop" PROGRAM N MODE. cpu is the main thread's
    own time (time.thread_time): the emulation itself, apart from the host's
    other load and from helper threads.
    """
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
    if kind == "getpid":
        program, argv = getpid_program(int(args[0])), ["getpid-loop"]
    else:
        program, argv = Path(args[0]), list(args)
    machine = Machine()
    wall, cpu = time.perf_counter(), time.thread_time()
    status = machine.run(program, argv, timeout=600)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    if status.signal is not None or status.code is None:
        raise SystemExit(f"{kind} {' '.join(args)} died: {status.detail}")
    print(json.dumps([wall, cpu, preemptions]))


def getpid_program(calls: int) -> Path:
    """runtime_getpid.py's loop, built the same way."""
    from syscalltbl.generators.x86_64.kernel import render_unistd_64, select_64
    from syscalltbl.machine.image.toolchain import build_elf
    from syscalltbl.tables.read import parse_table
    from syscalltbl.tables.target import default

    unistd = render_unistd_64(select_64(parse_table(default().table)), source="syscall_64.tbl")
    loop = GETPID_LOOP.replace("{calls}", str(calls))
    return Path(build_elf({"loop.S": loop, "unistd_64.inc": unistd}, linker_script=None, name="getpid-loop"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the revision to compare with (default {BASELINE})")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=50_000_000)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
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

        figures: dict[str, dict[str, list[tuple[float, float]]]] = {
            name: {side: [] for side in sides} for name in ("getpid", "busybox", *MODES)
        }
        preemptions: list[int] = []
        outputs: set[str] = set()
        for _ in range(args.runs):
            for side, src in sides.items():
                wall, cpu, _ = on_machine(src, "getpid", str(GETPID_CALLS))
                figures["getpid"][side].append((wall, cpu))
                wall, cpu, output = busybox_seconds(src, root)
                figures["busybox"][side].append((wall, cpu))
                outputs.add(output)
                for mode in MODES:
                    wall, cpu, preempted = on_machine(src, "loop", str(program), str(args.iterations), mode)
                    figures[mode][side].append((wall, cpu))
                    if mode == "pair" and side == "after":
                        preemptions.append(preempted)
    if len(outputs) != 1:
        print(f"the busybox script's outputs differ: {outputs}", file=sys.stderr)
        return 1

    print(f"before: {args.baseline}, after: this tree; best of {args.runs}, interleaved; seconds")
    print(f"  {'':36} {'wall before':>11} {'after':>7} {'ratio':>6}   {'cpu before':>10} {'after':>7} {'ratio':>6}")
    names = {"getpid": f"getpid loop, {GETPID_CALLS:,} calls", "busybox": "busybox script", **MODES}
    best: dict[str, dict[str, tuple[float, float]]] = {}
    for name, label in names.items():
        best[name] = {side: (min(w for w, _ in runs), min(c for _, c in runs)) for side, runs in figures[name].items()}
        (wall_before, cpu_before), (wall_after, cpu_after) = best[name]["before"], best[name]["after"]
        print(f"  {label.format(n=args.iterations):36} {wall_before:11.3f} {wall_after:7.3f} "
              f"{wall_after / wall_before:6.3f}   {cpu_before:10.3f} {cpu_after:7.3f} {cpu_after / cpu_before:6.3f}")
    for side in sides:
        wall, cpu = best["getpid"][side]
        print(f"getpid {side}: {GETPID_CALLS / wall:,.0f} syscalls/s wall, {GETPID_CALLS / cpu:,.0f} per cpu second")
    count = max(preemptions)
    if count:
        (pair_wall, pair_cpu), (one_wall, one_cpu) = best["pair"]["after"], best["pair"]["before"]
        print(f"the pair after: about {count} preemptions, one per {pair_wall / count * 1000:.2f} ms of wall time; "
              f"against one loop after the other, {(pair_wall - one_wall) / count * 1e6:+.0f} us wall and "
              f"{(pair_cpu - one_cpu) / count * 1e6:+.0f} us cpu each")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
