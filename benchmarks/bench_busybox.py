"""Wall time of one busybox shell script: natively, under qemu-x86_64, and through `syscalltbl run`.

Debian's busybox-static (/bin/busybox, installed with apt-get if missing) is
a static x86-64 ELF, so the same file runs directly on the host, under
qemu-user (Debian's qemu-user) and on the emulated machine. The script
forks, pipes, re-executes busybox through /proc/self/exe and waits:

    for i in $(seq 20); do seq 200 | sort -rn | wc -l; done | sort | uniq -c

Each runner goes -n times, interleaved so that drift in the host's load
spreads over all three; the medians and the ratios come from this one run.
The three outputs must be identical, or nothing is reported. Times are of
whole processes, as a user sees them: for the machine that includes starting
Python and booting the kernel, shown apart in the start-up row
(`busybox true`).

qemu-user emulates the shell and the children it forks, but a program they
exec (busybox re-executing itself for sort) is an x86-64 ELF on an x86-64
host and, without a binfmt_misc handler, runs natively: qemu's time is a
lower bound for emulating the whole script.

    .venv/bin/python benchmarks/bench_busybox.py [-n N] [--no-install]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from debian_tools import installed

SCRIPT = "for i in $(seq 20); do seq 200 | sort -rn | wc -l; done | sort | uniq -c"
ENV = {"PATH": "/bin", "HOME": "/", "LC_ALL": "C"}
BUSYBOX = Path("/bin/busybox")


def timed(argv: list[str], cwd: Path) -> tuple[float, bytes]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, check=False, timeout=600)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')[-2000:]}")
    return elapsed, proc.stdout


def runners(root: Path, qemu: str | None, args: list[str]) -> dict[str, list[str]]:
    busybox = str(root / "bin" / "busybox")
    emulated = [sys.executable, "-m", "syscalltbl", "run", "--root", str(root), "--cwd", "/work", "--env-clear"]
    for key, value in ENV.items():
        emulated += ["--env", f"{key}={value}"]
    out = {"native": [busybox, *args]}
    if qemu is not None:
        out["qemu-user"] = [qemu, busybox, *args]
    out["syscalltbl run"] = [*emulated, busybox, *args]
    return out


def measure(commands: dict[str, list[str]], cwd: Path, repetitions: int) -> tuple[dict[str, list[float]],
                                                                                dict[str, set[bytes]]]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    outputs: dict[str, set[bytes]] = {name: set() for name in commands}
    for _ in range(repetitions):
        for name, argv in commands.items():
            elapsed, stdout = timed(argv, cwd)
            times[name].append(elapsed)
            outputs[name].add(stdout)
    return times, outputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, metavar="N", help="repetitions of each runner (default 5)")
    parser.add_argument("--no-install", action="store_true", help="do not install busybox-static or qemu-user")
    args = parser.parse_args()
    install = not args.no_install
    if installed("busybox", "busybox-static", install) is None or not BUSYBOX.is_file():
        print(f"{BUSYBOX} is missing: apt-get install busybox-static", file=sys.stderr)
        return 1
    qemu = installed("qemu-x86_64", "qemu-user", install)
    if qemu is None:
        print("qemu-user: qemu-x86_64 not found and not installable here", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        (root / "bin").mkdir(parents=True)
        (root / "work").mkdir()
        shutil.copy(BUSYBOX, root / "bin" / "busybox")
        work = root / "work"
        script_times, outputs = measure(runners(root, qemu, ["sh", "-c", SCRIPT]), work, args.n)
        startup_times, _ = measure(runners(root, qemu, ["true"]), work, args.n)

    seen = {name: next(iter(out)) for name, out in outputs.items() if len(out) == 1}
    if len(seen) != len(outputs) or len(set(seen.values())) != 1:
        print("the outputs differ:", file=sys.stderr)
        for name, out in outputs.items():
            for text in out:
                print(f"--- {name}\n{text.decode(errors='replace')}", file=sys.stderr)
        return 1

    print(f"busybox sh -c '{SCRIPT}'")
    print(f"output ({len(seen)} runners agree): {next(iter(seen.values())).decode().strip()!r}")
    print(f"median wall time of {args.n} runs each:")
    print(f"  {'':16} {'script':>10} {'start-up':>10}")
    medians = {name: statistics.median(t) for name, t in script_times.items()}
    for name, elapsed in medians.items():
        print(f"  {name:16} {elapsed * 1000:8.1f} ms {statistics.median(startup_times[name]) * 1000:7.1f} ms")
    emulated = medians["syscalltbl run"]
    print(f"syscalltbl run / native    {emulated / medians['native']:8.1f}x")
    if "qemu-user" in medians:
        print(f"syscalltbl run / qemu-user {emulated / medians['qemu-user']:8.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
