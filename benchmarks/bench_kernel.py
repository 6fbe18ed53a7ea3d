"""Benchmark `syscalltbl build` and `syscalltbl script` against the kernel's own scripts.

Issue 3, point 9. Everything is measured in one run of this script, every
figure as wall time of a subprocess running the installed CLI (the console
script next to `sys.executable`), best and median of N runs:

  baseline   the 70 kernel script invocations of arch/tables.toml, one after
             another in one driver script run by `sh` (dash), LC_ALL=C
  1          cold `syscalltbl build`: empty $XDG_CACHE_HOME, no output dir
  2          warm full build: outputs deleted, cache kept
  3          no-op rebuild: nothing changed
  4          one `syscalltbl script syscalltbl --abis common,64 ...` call, warm
             and cold cache, against one `sh scripts/syscalltbl.sh` call
  5          `python -X importtime` breakdown of the warm script path, which
             heavy packages the warm script and no-op build paths import, and
             reference start-up times of bare Python and of those packages

The kernel scripts come from Debian's linux-source-6.12 (tests/debian_cache.py).
Every build's 70 outputs are compared byte for byte with the scripts' outputs;
a mismatch aborts the benchmark. PASS/FAIL is judged on the median; with
--check a missed target makes the exit status 1.

    .venv/bin/python benchmarks/bench_kernel.py [-n N] [--check] [--keep]
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARCH = REPO / "src" / "syscalltbl" / "tables" / "arch"
HEAVY = ("lark", "jinja2", "networkx")

#: Kernel path of each generator's script.
SCRIPTS = {
    "syscalltbl": "scripts/syscalltbl.sh",
    "syscallhdr": "scripts/syscallhdr.sh",
    "arm-syscallnr": "arch/arm/tools/syscallnr.sh",
    "mips-syscallnr": "arch/mips/kernel/syscalls/syscallnr.sh",
    "s390-syscalltbl": "arch/s390/kernel/syscalls/syscalltbl",
}

#: The single call of figure 4: x86-64's syscall table header.
SINGLE_TABLE = "arch/x86/entry/syscalls/syscall_64.tbl"
SINGLE_ARGS = ("--abis", "common,64")
SINGLE_REFERENCE = "arch/x86/include/generated/asm/syscalls_64.h"
#: Issue 20: one warm drop-in call at most this many times one `sh` call of the script.
SCRIPT_FACTOR = 2.5


class BenchmarkError(RuntimeError):
    pass


# --- inputs ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Invocation:
    """One [[output]] of arch/tables.toml: one kernel script call."""

    generator: str
    input: str
    argv: tuple[str, ...]
    stdin: bool
    path: str

    def arguments(self) -> list[str]:
        return [a.replace("{input}", self.input).replace("{output}", self.path) for a in self.argv]

    def shell_line(self) -> str:
        words = ["sh", SCRIPTS[self.generator], *self.arguments()]
        line = " ".join(shlex.quote(w) for w in words)
        if self.stdin:
            line += f" < {shlex.quote(self.input)} > {shlex.quote(self.path)}"
        return line


@dataclass(frozen=True, slots=True)
class Metadata:
    tables: dict[str, Path]  # kernel path -> file in arch/
    aliases: dict[str, str]  # kernel path -> kernel path of the real table
    invocations: tuple[Invocation, ...]


def load_metadata() -> Metadata:
    data = tomllib.loads((ARCH / "tables.toml").read_text(encoding="utf-8"))
    return Metadata(
        tables={t["kernel_path"]: ARCH / t["file"] for t in data["table"]},
        aliases={a["kernel_path"]: a["target"] for a in data.get("alias", [])},
        invocations=tuple(
            Invocation(o["generator"], o["input"], tuple(o["argv"]), bool(o.get("stdin", False)), o["path"])
            for o in data["output"]
        ),
    )


def kernel_scripts() -> Path:
    """A kernel tree holding the five real scripts (Debian's linux-source-6.12)."""
    sys.path.insert(0, str(REPO / "tests"))
    debian_cache = importlib.import_module("debian_cache")
    linux_source_files: Callable[[], Path] = debian_cache.linux_source_files
    return linux_source_files()


def console_script(python: Path) -> Path:
    script = python.parent / "syscalltbl"
    if not script.exists():
        raise BenchmarkError(f"no console script {script}: run this with the venv's python")
    return script


def install_fresh(work: Path) -> Path:
    """`pip install .` into a new venv, as the README installs it; returns its python."""
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], work, dict(os.environ))
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", str(REPO)], work, dict(os.environ))
    return python


# --- the baseline tree -----------------------------------------------------------------------------


def make_kernel_tree(root: Path, scripts: Path, meta: Metadata) -> Path:
    """Scripts, tables (alias as a symlink) and output dirs at their kernel paths; returns the driver."""
    for script in SCRIPTS.values():
        copy(scripts / script, root / script)
    for kernel_path, file in meta.tables.items():
        copy(file, root / kernel_path)
    for kernel_path, target in meta.aliases.items():
        link = root / kernel_path
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(root / target, link.parent))
    for inv in meta.invocations:
        (root / inv.path).parent.mkdir(parents=True, exist_ok=True)
    driver = root / "run-all.sh"
    lines = ["set -e", *(inv.shell_line() for inv in meta.invocations)]
    driver.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return driver


def copy(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


# --- timing ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timing:
    samples: tuple[float, ...]  # seconds

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


Hook = Callable[[], None]
Check = Callable[[subprocess.CompletedProcess[str]], None]


def run(argv: Sequence[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise BenchmarkError(f"{shlex.join(map(str, argv))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def measure(
    argv: Sequence[str | Path],
    cwd: Path,
    env: dict[str, str],
    repeat: int,
    before: Hook | None = None,
    after: Check | None = None,
) -> Timing:
    """Wall time of `argv` `repeat` times; `before` and `after` run outside the timing."""
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        proc = run(argv, cwd, env)
        samples.append(time.perf_counter() - start)
        if after is not None:
            after(proc)
    return Timing(tuple(samples))


def environment(cache: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, LC_ALL="C")
    if cache is not None:
        env["XDG_CACHE_HOME"] = str(cache)
    return env


# --- correctness -----------------------------------------------------------------------------------


def compare_outputs(ours: Path, reference: Path, meta: Metadata) -> None:
    """Our build's tree holds exactly the 70 outputs, each byte-identical to the script's."""
    expected = {inv.path for inv in meta.invocations}
    found = {str(p.relative_to(ours)) for p in ours.rglob("*") if p.is_file() or p.is_symlink()}
    problems = [f"unexpected file {p}" for p in sorted(found - expected)]
    problems += [f"missing {p}" for p in sorted(expected - found)]
    problems += [
        f"differs from the kernel script's output: {p}"
        for p in sorted(expected & found)
        if (ours / p).read_bytes() != (reference / p).read_bytes()
    ]
    if problems:
        raise BenchmarkError("wrong build output:\n  " + "\n  ".join(problems))


def expect_summary(fragment: str) -> Check:
    def check(proc: subprocess.CompletedProcess[str]) -> None:
        if fragment not in proc.stdout:
            raise BenchmarkError(f"expected {fragment!r} in the build summary, got {proc.stdout.strip()!r}")

    return check


def expect_same(ours: Path, reference: Path) -> Check:
    def check(_: subprocess.CompletedProcess[str]) -> None:
        if ours.read_bytes() != reference.read_bytes():
            raise BenchmarkError(f"{ours} differs from the kernel script's {reference}")

    return check


# --- import times ----------------------------------------------------------------------------------

_IMPORT_LINE = re.compile(r"^import time:\s*(\d+) \|\s*(\d+) \| ( *)(\S+)$")


@dataclass(frozen=True, slots=True)
class Import:
    name: str
    depth: int
    self_us: int
    cumulative_us: int


def parse_importtime(stderr: str) -> list[Import]:
    imports = []
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            own, cumulative, indent, name = match.groups()
            imports.append(Import(name, len(indent) // 2, int(own), int(cumulative)))
    return imports


def imported(imports: list[Import], package: str) -> bool:
    return any(i.name == package or i.name.startswith(package + ".") for i in imports)


def importtime(argv: Sequence[str | Path], cwd: Path, env: dict[str, str]) -> list[Import]:
    return parse_importtime(run([str(s_python()), "-X", "importtime", *argv], cwd, env).stderr)


# --- report ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    timing: Timing
    baseline: Timing | None = None
    target: str = ""
    passed: bool | None = None  # None: reported only

    def ratio(self) -> str:
        if self.baseline is None:
            return ""
        best = self.baseline.best / self.timing.best
        median = self.baseline.median / self.timing.median
        if median >= 1:
            return f"{best:5.1f}x / {median:5.1f}x faster"
        return f"{1 / best:5.1f}x / {1 / median:5.1f}x slower"

    def verdict(self) -> str:
        return {None: "", True: "PASS", False: "FAIL"}[self.passed]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def print_table(rows: list[Row]) -> None:
    ratio, target = "vs baseline (best / median)", "target"
    print(f"{'figure':<44} {'best':>11} {'median':>11}   {ratio:<29} {target:<22} result")
    for row in rows:
        print(
            f"{row.label:<44} {ms(row.timing.best)} {ms(row.timing.median)}   "
            f"{row.ratio():<29} {row.target:<22} {row.verdict()}".rstrip()
        )


def print_imports(title: str, imports: list[Import], top: int) -> None:
    total = sum(i.cumulative_us for i in imports if i.depth == 0)
    print(f"{title}: {len(imports)} modules, {total / 1000:.1f} ms of imports in all")
    print(f"  {'cumulative':>10} {'self':>9}  module (indented by import depth)")
    for i in sorted(imports, key=lambda i: -i.cumulative_us)[:top]:
        print(f"  {i.cumulative_us / 1000:7.1f} ms {i.self_us / 1000:6.1f} ms  {'  ' * i.depth}{i.name}")


# --- the benchmark ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setup:
    work: Path
    kernel: Path  # the baseline tree; its outputs are the reference
    driver: Path
    cli: Path
    meta: Metadata
    repeat: int
    python: Path

    @property
    def out(self) -> Path:
        return self.work / "run" / "build"

    @property
    def build_cache(self) -> Path:
        return self.work / "cache-build"

    @property
    def script_cache(self) -> Path:
        return self.work / "cache-script"

    def build_argv(self) -> list[str | Path]:
        return [self.cli, "build", "--group", "kernel", "-o", self.out]

    def measure(
        self,
        argv: Sequence[str | Path],
        env: dict[str, str],
        before: Hook | None = None,
        after: Check | None = None,
    ) -> Timing:
        """`measure` in the directory our CLI runs from."""
        return measure(argv, self.work / "run", env, self.repeat, before, after)


def bench_baseline(s: Setup) -> Timing:
    outputs = [s.kernel / inv.path for inv in s.meta.invocations]

    def clear() -> None:
        for path in outputs:
            path.unlink(missing_ok=True)

    return measure(["sh", s.driver], s.kernel, environment(), s.repeat, before=clear)


def bench_builds(s: Setup, baseline: Timing) -> list[Row]:
    env = environment(s.build_cache)

    def cold() -> None:
        remove(s.build_cache)
        remove(s.out)

    def verify(proc: subprocess.CompletedProcess[str]) -> None:
        expect_summary("70 written, 0 unchanged, 0 failed")(proc)
        compare_outputs(s.out, s.kernel, s.meta)

    def delete_outputs() -> None:
        # As the baseline does between its runs: the files go, their directories stay.
        for inv in s.meta.invocations:
            (s.out / inv.path).unlink(missing_ok=True)

    def cold_files() -> None:
        remove(s.build_cache)
        delete_outputs()

    cold_tree_t = s.measure(s.build_argv(), env, before=cold, after=verify)
    cold_t = s.measure(s.build_argv(), env, before=cold_files, after=verify)
    warm_t = s.measure(s.build_argv(), env, before=delete_outputs, after=verify)
    warm_tree_t = s.measure(s.build_argv(), env, before=lambda: remove(s.out), after=verify)
    noop_t = s.measure(s.build_argv(), env, after=expect_summary("0 written, 70 unchanged, 0 failed"))
    return [
        faster_row("1. cold build, 70 outputs (empty cache)", cold_t, baseline, 3),
        Row("1b. same, output tree removed too", cold_tree_t, baseline, "(reported only)", None),
        faster_row("2. warm full build (outputs deleted)", warm_t, baseline, 10),
        Row("2b. same, output tree removed too", warm_tree_t, baseline, "(reported only)", None),
        Row("3. no-op rebuild", noop_t, baseline, "< 100 ms", noop_t.median < 0.100),
    ]


def faster_row(label: str, ours: Timing, baseline: Timing, factor: int) -> Row:
    passed = baseline.median >= factor * ours.median
    return Row(label, ours, baseline, f">= {factor}x faster", passed)


def single_paths(s: Setup) -> tuple[Path, Path, Path]:
    """Output of the shell call, of ours, and the reference output from the baseline tree."""
    sh_out = s.work / "single" / "sh" / Path(SINGLE_REFERENCE).name
    py_out = s.work / "single" / "py" / Path(SINGLE_REFERENCE).name
    for path in (sh_out, py_out):
        path.parent.mkdir(parents=True, exist_ok=True)
    return sh_out, py_out, s.kernel / SINGLE_REFERENCE


def script_argv(s: Setup, out: Path) -> list[str | Path]:
    return [s.cli, "script", "syscalltbl", *SINGLE_ARGS, s.kernel / SINGLE_TABLE, out]


def bench_single(s: Setup) -> list[Row]:
    sh_out, py_out, reference = single_paths(s)
    shell = measure(
        ["sh", SCRIPTS["syscalltbl"], *SINGLE_ARGS, SINGLE_TABLE, sh_out],
        s.kernel,
        environment(),
        s.repeat,
        before=lambda: sh_out.unlink(missing_ok=True),
        after=expect_same(sh_out, reference),
    )
    env = environment(s.script_cache)

    def cold() -> None:
        remove(s.script_cache)
        py_out.unlink(missing_ok=True)

    cold_t = s.measure(script_argv(s, py_out), env, before=cold, after=expect_same(py_out, reference))

    def warm() -> None:
        py_out.unlink(missing_ok=True)

    warm_t = s.measure(script_argv(s, py_out), env, before=warm, after=expect_same(py_out, reference))
    within = warm_t.median <= SCRIPT_FACTOR * shell.median
    return [
        Row("4. one `sh scripts/syscalltbl.sh` call", shell),
        Row("4. one `syscalltbl script` call, warm cache", warm_t, shell, f"<= {SCRIPT_FACTOR}x the sh call", within),
        Row("4. one `syscalltbl script` call, cold cache", cold_t, shell, "(reported only)"),
    ]


def bench_references(s: Setup) -> list[Row]:
    bare = s.measure([s.python, "-c", "pass"], environment())
    rows = [Row("5. python -c pass", bare)]
    for package in HEAVY:
        timing = s.measure([s.python, "-c", f"import {package}"], environment())
        extra = (timing.median - bare.median) * 1000
        rows.append(Row(f"5. python -c 'import {package}' (+{extra:.0f} ms)", timing))
    return rows


@dataclass(frozen=True, slots=True)
class ImportReport:
    script_warm: list[Import]
    script_cold: list[Import]
    build_noop: list[Import]


def collect_imports(s: Setup) -> ImportReport:
    """Run each path once more under -X importtime; caches are warm from the timed runs."""
    _, py_out, _ = single_paths(s)
    script = ["-m", "syscalltbl", *script_argv(s, py_out)[1:]]
    build = ["-m", "syscalltbl", *s.build_argv()[1:]]
    run_dir = s.work / "run"
    warm = importtime(script, run_dir, environment(s.script_cache))
    noop = importtime(build, run_dir, environment(s.build_cache))
    cold_cache = s.work / "cache-importtime-cold"
    remove(cold_cache)
    cold = importtime(script, run_dir, environment(cold_cache))
    return ImportReport(warm, cold, noop)


def heavy_rows(report: ImportReport) -> list[tuple[str, str, bool | None]]:
    """(path, package, passed): None where the issue sets no rule."""
    forbidden = {
        "warm script": {"networkx"},
        "cold script": {"networkx"},
        "no-op build": {"lark", "jinja2"},
    }
    paths = {
        "warm script": report.script_warm,
        "cold script": report.script_cold,
        "no-op build": report.build_noop,
    }
    rows: list[tuple[str, str, bool | None]] = []
    for path, imports in paths.items():
        for package in HEAVY:
            found = imported(imports, package)
            rule = (not found) if package in forbidden[path] else None
            rows.append((path, f"{package}: {'imported' if found else 'not imported'}", rule))
    return rows


def print_heavy(rows: list[tuple[str, str, bool | None]]) -> None:
    print("Heavy packages on each path (-X importtime; rules from issue 3):")
    for path, text, rule in rows:
        verdict = "" if rule is None else ("PASS (must not import)" if rule else "FAIL (must not import)")
        print(f"  {path:<12} {text:<26} {verdict}".rstrip())


def print_header(s: Setup, scripts: Path) -> None:
    shell = shutil.which("sh") or "sh"
    print(f"syscalltbl kernel benchmark: {s.repeat} runs per figure, wall time of one subprocess each")
    print(f"  python {platform.python_version()} {s.python}; CLI {s.cli}")
    print(f"  sh = {os.path.realpath(shell)}; {os.cpu_count()} CPUs; LC_ALL=C; {platform.platform()}")
    print(f"  kernel scripts: {scripts}")
    count = len(s.meta.invocations)
    print(f"  baseline: the {count} script invocations, one after another in one `sh` driver script")
    print("  PASS/FAIL is judged on the median; ratios are baseline/ours (best / median)")
    print()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("-n", "--repeat", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--top", type=int, default=20, help="modules shown in the import breakdown")
    parser.add_argument("--keep", action="store_true", help="keep the work directory and print its path")
    parser.add_argument(
        "--editable",
        action="store_true",
        help="measure the CLI of the running venv instead of a fresh `pip install .` (the default, as users install)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


_PYTHON: list[Path] = [Path(sys.executable)]


def s_python() -> Path:
    """The python whose CLI is measured (set once the venv exists)."""
    return _PYTHON[0]


def run_benchmark(args: argparse.Namespace, work: Path) -> bool:
    """Print every figure; True when every target is met."""
    scripts = kernel_scripts()  # before any XDG_CACHE_HOME is changed: it holds the Debian cache
    meta = load_metadata()
    kernel = work / "kernel"
    (work / "run").mkdir(parents=True)
    python = Path(sys.executable) if args.editable else install_fresh(work)
    _PYTHON[0] = python
    s = Setup(work, kernel, make_kernel_tree(kernel, scripts, meta), console_script(python), meta, args.repeat, python)
    print_header(s, scripts)

    baseline = bench_baseline(s)
    rows = [Row(f"baseline: {len(meta.invocations)} kernel script invocations", baseline)]
    rows += bench_builds(s, baseline)
    rows += bench_single(s)
    rows += bench_references(s)
    print_table(rows)
    count = len(meta.invocations)
    print(f"\nOutputs: all {count} byte-identical to the kernel scripts' after every build run.\n")

    report = collect_imports(s)
    print_imports(
        "Import time, warm `python -X importtime -m syscalltbl script syscalltbl ...`",
        report.script_warm,
        args.top,
    )
    for title, imports in (("cold script", report.script_cold), ("no-op build", report.build_noop)):
        total = sum(i.cumulative_us for i in imports if i.depth == 0)
        print(f"  for comparison, {title}: {len(imports)} modules, {total / 1000:.1f} ms of imports")
    print()
    heavy = heavy_rows(report)
    print_heavy(heavy)

    verdicts = [r.passed for r in rows if r.passed is not None] + [h[2] for h in heavy if h[2] is not None]
    missed = verdicts.count(False)
    print(f"\n{len(verdicts) - missed} of {len(verdicts)} targets met")
    return missed == 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="syscalltbl-bench-"))
    try:
        ok = run_benchmark(args, work)
    except BenchmarkError as exc:
        print(f"bench_kernel: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
