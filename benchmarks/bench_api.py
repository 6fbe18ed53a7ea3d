"""Import and first lookup of syscalltbl.api with a warm cache: the wall time of a whole process.

Issue 19's target: `python -c "import syscalltbl.api as a; a.load().lookup('getpid', 'x86/64')"`
under 100 ms with a warm cache, importing neither Lark, Jinja2 nor networkx.
One run warms a private cache ($XDG_CACHE_HOME in a temporary directory);
then the lookup, `python -c pass` for reference, and the no-op build path's
start-up are each timed -n times, interleaved; best and median are printed.

    .venv/bin/python benchmarks/bench_api.py [-n N] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_MS = 100.0
HEAVY = ("lark", "jinja2", "networkx")
WARM_UP = "import syscalltbl.api as a; a.load()"
LOOKUP = (
    "import sys\n"
    "import syscalltbl.api as a\n"
    "(found,) = a.load().lookup('getpid', 'x86/64')\n"
    "assert found.number == 39\n"
    f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
    "assert not heavy, heavy\n"
)


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=120)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stderr.decode(errors='replace')}")
    return elapsed * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, metavar="N", help="runs of each command (default 10)")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 if the median lookup is {TARGET_MS:.0f} ms or more"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, XDG_CACHE_HOME=cache)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import syscalltbl.api; load().lookup(getpid)": [sys.executable, "-c", LOOKUP],
        }
        timed([sys.executable, "-c", WARM_UP], env)  # a cold load: builds the matrix, stores the index
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.n):
            for name, argv in commands.items():
                times[name].append(timed(argv, env))
    for name, values in times.items():
        print(f"{name:48} best {min(values):6.1f} ms  median {statistics.median(values):6.1f} ms")
    median = statistics.median(times["import syscalltbl.api; load().lookup(getpid)"])
    verdict = "PASS" if median < TARGET_MS else "FAIL"
    print(f"warm first lookup: median {median:.1f} ms, target < {TARGET_MS:.0f} ms: {verdict}")
    return 1 if args.check and verdict == "FAIL" else 0


if __name__ == "__main__":
    sys.exit(main())
