"""Start-up of a dynamic program against a static one: natively, under qemu-x86_64 and on the machine.

Issue 15's target: `syscalltbl run /bin/true` (Debian's coreutils true,
dynamically linked: ld.so maps libc.so.6 and relocates it before main)
starts in under 3x the time of `syscalltbl run /usr/bin/busybox true` (a
static binary). Both run from the default root, the host's `/` seen
copy-on-write. qemu-user runs the same two files, and so does the host; the
ratio dynamic/static is printed for each runner, from medians of -n runs
interleaved so that drift in the host's load spreads over all of them.
Times are of whole processes, as a user sees them: for the machine they
include starting Python and booting the kernel.

    .venv/bin/python benchmarks/bench_dynamic_start.py [-n N] [--no-install] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from debian_tools import installed

DYNAMIC = "/bin/true"
STATIC = "/usr/bin/busybox"
ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
TARGET = 3.0


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=ENV, capture_output=True, check=False, timeout=120)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or proc.stdout:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}, printing {proc.stdout[:200]!r}:\n"
                         f"{proc.stderr.decode(errors='replace')[-2000:]}")
    return elapsed


def commands(qemu: str | None) -> dict[tuple[str, str], list[str]]:
    """(runner, kind) -> argv, kind 'dynamic' or 'static'."""
    machine = [sys.executable, "-m", "syscalltbl", "run", "--env-clear", *(f"--env={k}={v}" for k, v in ENV.items())]
    prefixes = {"native": [], **({"qemu-user": [qemu]} if qemu else {}), "syscalltbl run": machine}
    out = {}
    for runner, prefix in prefixes.items():
        out[(runner, "dynamic")] = [*prefix, DYNAMIC]
        out[(runner, "static")] = [*prefix, STATIC, "true"]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=7, metavar="N", help="runs of each command (default 7)")
    parser.add_argument("--no-install", action="store_true", help="do not install busybox-static or qemu-user")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if the machine's ratio is {TARGET}x or more")
    args = parser.parse_args()
    install = not args.no_install
    if installed("busybox", "busybox-static", install) is None or not os.path.isfile(STATIC):
        print(f"{STATIC} is missing: apt-get install busybox-static", file=sys.stderr)
        return 1
    qemu = installed("qemu-x86_64", "qemu-user", install)
    if qemu is None:
        print("qemu-user: qemu-x86_64 not found and not installable here", file=sys.stderr)
    argvs = commands(qemu)
    times: dict[tuple[str, str], list[float]] = {key: [] for key in argvs}
    for argv in argvs.values():
        timed(argv)  # once unmeasured: the OS page cache and Python's bytecode caches warm for every runner
    for _ in range(args.n):
        for key, argv in argvs.items():
            times[key].append(timed(argv))
    medians = {key: statistics.median(t) for key, t in times.items()}
    print(f"start-up, median wall time of {args.n} runs: {DYNAMIC} (dynamic) and {STATIC} true (static)")
    print(f"  {'':16} {'dynamic':>10} {'static':>10} {'dynamic/static':>15}")
    ratio = 0.0
    for runner in dict.fromkeys(r for r, _ in argvs):
        dynamic, static = medians[(runner, "dynamic")], medians[(runner, "static")]
        print(f"  {runner:16} {dynamic * 1000:7.1f} ms {static * 1000:7.1f} ms {dynamic / static:14.2f}x")
        ratio = dynamic / static
    verdict = "PASS" if ratio < TARGET else "FAIL"
    print(f"syscalltbl run: dynamic/static {ratio:.2f}x (target < {TARGET:.0f}x): {verdict}")
    return 1 if args.check and verdict == "FAIL" else 0


if __name__ == "__main__":
    raise SystemExit(main())
