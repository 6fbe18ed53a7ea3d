"""Benchmark `syscalltbl lint`: the whole 6.18.2 corpus in under 1 s, and linear graph building.

Measured in one run of this script:

  1  `syscalltbl lint` on the project's arch/ (the 6.18.2 tables) with prototypes,
     as wall time of the installed CLI in a subprocess, warm cache, best and
     median of N runs; prototypes from Debian's linux-headers-6.12*-common
     (tests/debian_cache.py) and the corpus meta list. Target: under 1 s.
  2  the same in-process, by phase: loading the inputs, building the graph,
     running the rules.
  3  graph building on synthetic inputs of 1x, 2x, 5x and 10x the real tables
     (every table and output copied under a new architecture name); the ratio
     of each time to the 1x time should be close to the factor (linear growth).
  4  with --tree DIR (or --debian-tree): `syscalltbl lint --tree DIR`, target 10 s.

    .venv/bin/python benchmarks/bench_lint.py [-n N] [--check] [--tree DIR | --debian-tree]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syscalltbl.lint.inputs import LintInputs

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "linux-6.18.2"
sys.path.insert(0, str(REPO / "tests"))

FACTORS = (1, 2, 5, 10)


def wall(argv: list[str], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, cwd=REPO, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def headers_dir() -> Path | None:
    try:
        from debian_cache import newest_package, unpack_deb
        from fixtures_headers import HEADERS_PACKAGE

        unpacked = unpack_deb(newest_package(HEADERS_PACKAGE))
    except Exception as exc:  # no apt here: measure with the corpus list alone
        print(f"(no Debian headers: {exc})")
        return None
    trees = sorted((unpacked / "usr" / "src").glob("linux-headers-*-common"))
    return trees[-1] if trees else None


def synthetic(inputs: LintInputs, factor: int) -> LintInputs:
    """`factor` copies of every table and output, each copy under its own architecture name."""
    from syscalltbl.tables.model import Location, Table

    tables = dict(inputs.tables)
    outputs = list(inputs.outputs)
    for copy in range(1, factor):
        for path, table in inputs.tables.items():
            new = f"copy{copy}/{path}"
            entries = tuple(
                dataclasses.replace(e, location=Location(new, e.location.line, e.location.column))
                for e in table.entries
            )
            tables[new] = Table(new, entries, table.comments)
        for out in inputs.outputs:
            real = inputs.real_path(out.table)
            outputs.append(dataclasses.replace(out, arch=f"{out.arch}{copy}", table=f"copy{copy}/{real}"))
    return dataclasses.replace(inputs, tables=tables, outputs=tuple(outputs), aliases={})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--repeat", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tree", type=Path, help="also time `syscalltbl lint --tree DIR`")
    where.add_argument("--debian-tree", action="store_true", help="--tree on Debian's linux-source-6.12")
    args = parser.parse_args(argv)

    from syscalltbl.lint import run_lint
    from syscalltbl.lint.graph import build_graph
    from syscalltbl.lint.project_inputs import load_project_inputs
    from syscalltbl.tables import project

    ok = True
    cli = str(Path(sys.executable).parent / "syscalltbl")
    headers = headers_dir()
    extras = ["--corpus", str(CORPUS)] + (["--headers", str(headers)] if headers else [])
    subprocess.run([cli, "lint", *extras], cwd=REPO, capture_output=True, check=False)  # warm the cache

    fastest, median = wall([cli, "lint", *extras], args.repeat)
    verdict = "PASS" if median < 1.0 else "FAIL"
    ok &= median < 1.0
    print(f"1  syscalltbl lint {' '.join(extras)}")
    print(f"   best {fastest:.3f} s, median {median:.3f} s   target < 1 s: {verdict}")

    def load() -> LintInputs:
        shipped = project.load(REPO / "src" / "syscalltbl" / "tables" / "arch")
        return load_project_inputs(shipped, headers=headers, corpus=CORPUS)

    inputs = load()
    print("2  in-process phases (best of N)")
    print(f"   load inputs  {best(load, args.repeat):.3f} s")
    print(f"   build graph  {best(lambda: build_graph(inputs), args.repeat):.3f} s")
    print(f"   graph + rules {best(lambda: run_lint(inputs), args.repeat):.3f} s")

    print("3  graph building on synthetic inputs (linear growth: ratio ~ factor)")
    base = 0.0
    for factor in FACTORS:
        scaled = synthetic(inputs, factor)
        elapsed = best(lambda s=scaled: build_graph(s), max(3, args.repeat // 2))  # type: ignore[misc]
        base = base or elapsed
        entries = sum(len(t.entries) for t in scaled.tables.values())
        nodes = build_graph(scaled).g.number_of_nodes()
        ratio = elapsed / base
        print(
            f"   {factor:>2}x  {entries:>6} entries  {nodes:>7} nodes  {elapsed:.3f} s  "
            f"ratio {ratio:5.2f}  ({ratio / factor:.2f} of linear)"
        )
        if factor == FACTORS[-1] and not 0.5 * factor <= ratio <= 1.6 * factor:
            ok = False
            print("   FAIL: not linear")

    tree = args.tree
    if args.debian_tree:
        from debian_cache import linux_source_tree

        tree = linux_source_tree()
    if tree is not None:
        fastest, median = wall([cli, "lint", "--tree", str(tree)], max(1, args.repeat // 2))
        verdict = "PASS" if median < 10 else "FAIL"
        ok &= median < 10
        print(f"4  syscalltbl lint --tree {tree}")
        print(f"   best {fastest:.3f} s, median {median:.3f} s   target < 10 s: {verdict}")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
