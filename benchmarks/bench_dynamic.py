"""Start-up of a dynamic program against a static one: `/bin/true` (ld.so, libc) and `busybox true`.

Each runs natively, under qemu-x86_64 and through `syscalltbl run`, -n times
interleaved; the medians are wall times of whole processes (for the machine:
starting Python, booting the kernel, loading the program). The dynamic
/bin/true runs with --root ROOT, a directory holding it with the interpreter
and libraries `ldd` lists and the host's ld.so.cache (under qemu: `-L ROOT`).
Issue 15's target: the dynamic start within 3x the static one's.

    .venv/bin/python benchmarks/bench_dynamic.py [-n N]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUSYBOX = "/bin/busybox"
TRUE = "/bin/true"


def make_root(root: Path) -> None:
    listed = subprocess.run(["ldd", TRUE], capture_output=True, text=True, check=True).stdout
    for path in [TRUE, "/etc/ld.so.cache", *re.findall(r"(/\S+) \(0x[0-9a-f]+\)", listed)]:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, check=False, timeout=120)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=7, metavar="N", help="repetitions of each runner (default 7)")
    args = parser.parse_args()
    qemu = shutil.which("qemu-x86_64")
    run = [sys.executable, "-m", "syscalltbl", "run", "--env-clear"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        make_root(root)
        commands = {
            ("native", "dynamic"): [TRUE], ("native", "static"): [BUSYBOX, "true"],
            ("syscalltbl run", "dynamic"): [*run, "--root", str(root), str(root / TRUE.lstrip("/"))],
            ("syscalltbl run", "static"): [*run, BUSYBOX, "true"],
        }
        if qemu is not None:
            commands[("qemu-user", "dynamic")] = [qemu, "-L", str(root), TRUE]
            commands[("qemu-user", "static")] = [qemu, BUSYBOX, "true"]
        times: dict[tuple[str, str], list[float]] = {key: [] for key in commands}
        for _ in range(args.n):
            for key, argv in commands.items():
                times[key].append(timed(argv))
    print(f"median wall time of {args.n} runs: dynamic {TRUE} against static `busybox true`")
    print(f"  {'':16} {'dynamic':>10} {'static':>10} {'ratio':>7}")
    for runner in dict.fromkeys(r for r, _ in commands):
        dynamic, static = (statistics.median(times[(runner, kind)]) for kind in ("dynamic", "static"))
        print(f"  {runner:16} {dynamic * 1e3:8.1f} ms {static * 1e3:7.1f} ms {dynamic / static:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
