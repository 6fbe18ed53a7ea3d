"""The Linux Test Project's syscall tests, run unmodified natively and on the machine.

    .venv/bin/python conformance/ltp.py [--tests NAME... | --from-list FILE] [--jobs N] [--out FILE]
                                        [--no-build | --build-only] [--timeout S] [--ltp-dir DIR]
                                        [--native-from EARLIER.json | --native-only] [--compat-out FILE]
    .venv/bin/python conformance/ltp.py --reduce RESULT.json --compat-out conformance/ltp-results.json

LTP's source is the `git archive` in the shared folder beside the checkout
(../shared/ltp/ltp-<commit>.tar.xz); it is unpacked and built statically into
~/.cache/syscalltbl-ltp/<commit>/ltp ($SYSCALLTBL_LTP_CACHE overrides the
~/.cache/syscalltbl-ltp part; the static binaries run natively too).
The scope is every runtest/syscalls entry minus the tests whose C source marks
them as needing a block device or a mount; of those, the ones whose native run
passes are the ones the machine is measured on. Each test runs in a fresh
temporary directory (TMPDIR points there) natively as root and on the machine
(there as the machine's init's child, so it has a normal parent: LTP takes
getppid() == 1 for "the main test process died"), with LTP_TIMEOUT_MUL=10 and
the harness's own per-run timeout.
On the machine TFAIL, TBROK, TWARN, more TCONFs than natively, a timeout or no
exit status (a crash) are failures. The JSON result (rewritten after each
test) has, per test, both verdicts, the TPASS/TFAIL/TBROK/TCONF/TWARN counts,
the seconds and the first failing lines. --compat-out also writes the same
result reduced to what `syscalltbl compat` and the CI slice read (areas, scope,
verdicts, the machine's seconds and first failing line): the project commits it
as conformance/ltp-results.json from its last full run. --reduce makes that
file from an existing result without running anything.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parent.parent
SHARED_LTP = CHECKOUT.parent / "shared" / "ltp"
CACHE = Path(os.environ.get("SYSCALLTBL_LTP_CACHE", Path.home() / ".cache" / "syscalltbl-ltp"))
SYSCALLS = Path("testcases/kernel/syscalls")
# The machine is one to two orders of magnitude slower than the host; LTP's own
# per-test timeout (30 s plus the test's own) is multiplied by this on both runs.
TIMEOUT_MUL = "10"
# The command each build tool is, and the Debian package that provides it.
BUILD_TOOLS = {"autoconf": "autoconf", "automake": "automake", "m4": "m4", "make": "make",
               "pkg-config": "pkg-config", "gcc": "gcc"}
# Markers in a test's source that say it needs a block device or a mount.
DEVICE_MARK = re.compile(r"\.(needs_device|mount_device|all_filesystems|format_device)\s*=")
RESULT = re.compile(r"\b(TPASS|TFAIL|TBROK|TCONF|TWARN)\b")
FAILING = ("TFAIL", "TBROK", "TWARN")
#: How `syscalltbl run`'s own lines start: the machine, not the test, ended the run.
MACHINE_SAYS = ("syscalltbl run: ", "Traceback (most recent call last):")
SHOWN_LINES = 5
TOP_CAUSES = 25
# A result line's prefix: the current library's "file.c:12: ", the old one's "name    1  TFAIL  :  file.c:12: ".
SOURCE_POSITION = re.compile(r"^\S+\.[ch]:\d+: ")
OLD_PREFIX = re.compile(r"^\S+\s+\d+\s+(T[A-Z]+)\s+:\s+(\S+\.[ch]:\d+:\s*)?")
NUMBER = re.compile(r"\b\d+\b")


# ---------------------------------------------------------------- building


def tarball() -> Path:
    found = sorted(SHARED_LTP.glob("ltp-*.tar.xz"))
    if not found:
        raise SystemExit(f"no LTP source: expected {SHARED_LTP}/ltp-<commit>.tar.xz")
    return found[-1]


def default_tree() -> Path:
    commit = tarball().name.removeprefix("ltp-").removesuffix(".tar.xz")
    return CACHE / commit / "ltp"


def install_build_tools() -> None:
    missing = sorted({pkg for tool, pkg in BUILD_TOOLS.items() if shutil.which(tool) is None})
    if missing:
        print(f"ltp: installing {' '.join(missing)}", flush=True)
        subprocess.run(["apt-get", "update", "-q"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing, "libc6-dev"], check=True)


def unpack(tree: Path) -> None:
    """Unpacks the archive beside `tree` and renames it into place, so a half-unpacked tree is never used."""
    tree.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=tree.parent, prefix="unpack-"))
    with tarfile.open(tarball()) as archive:
        archive.extractall(staging, filter="tar")
    (staging / "ltp").rename(tree)
    staging.rmdir()


def make(tree: Path, *args: str) -> None:
    subprocess.run(["make", *args], cwd=tree, check=True, stdout=subprocess.DEVNULL)


def build(tree: Path, dirs: list[Path] | None, programs: dict[Path, list[str]] | None = None) -> None:
    """Builds LTP's library and the given syscall test directories (all of them for None); of a directory
    that `programs` names, only those programs (and the libraries they link)."""
    install_build_tools()
    if not tree.exists():
        unpack(tree)
    if not (tree / "configure").exists():
        make(tree, "autotools")
    if not (tree / "config.status").exists():
        subprocess.run(["./configure", "LDFLAGS=-static", "--without-numa", "--without-tirpc", "--without-modules"],
                       cwd=tree, check=True, stdout=subprocess.DEVNULL)
    make(tree, "-C", "lib")
    # -k: a directory that does not build (a missing header, say) leaves its tests out, not the run.
    for d in [SYSCALLS] if dirs is None else dirs:
        wanted = (programs or {}).get(d, [])
        subprocess.run(["make", "-k", "-C", str(d), *wanted], cwd=tree, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------- scope


@dataclass(frozen=True)
class Entry:
    name: str  # the runtest name, e.g. alarm02
    argv: list[str]  # the command and its arguments


def runtest_entries(tree: Path) -> list[Entry]:
    entries = []
    for line in (tree / "runtest" / "syscalls").read_text().splitlines():
        words = line.split()
        if words and not words[0].startswith("#") and len(words) >= 2:
            entries.append(Entry(words[0], words[1:]))
    return entries


def sources_by_command(tree: Path) -> dict[str, Path]:
    """Each test program's C source under testcases/kernel/syscalls, by program name."""
    return {c.stem: c for c in sorted((tree / SYSCALLS).rglob("*.c"))}


def device_mark(source: Path | None) -> str | None:
    if source is None:
        return None
    found = DEVICE_MARK.search(source.read_text(errors="replace"))
    return f".{found.group(1)}" if found else None


def source_of(sources: dict[str, Path], command: str) -> Path | None:
    """A program's source; the _16 (16-bit ids) and _64 (large-file) variants are built from their base's."""
    for name in (command, command.removesuffix("_16"), command.removesuffix("_64")):
        if name in sources:
            return sources[name]
    return None


def programs_for(source: Path, command: str) -> list[str]:
    """A test's program and the programs of its directory it names in quotes: the helpers it copies as
    resource files or execs (creat07_child, execve01_child)."""
    text = source.read_text(errors="replace")
    helpers = sorted(c.stem for c in source.parent.glob("*.c") if c.stem != command and f'"{c.stem}"' in text)
    return [command, *helpers]


def binary(source: Path | None, command: str) -> Path | None:
    if source is not None and (source.parent / command).is_file():
        return source.parent / command
    return None


# ---------------------------------------------------------------- running


@dataclass
class Run:
    verdict: str  # pass, fail, conf (nothing but TCONF), timeout, crash, missing
    rc: int | None
    counts: dict[str, int]
    seconds: float
    lines: list[str] = field(default_factory=list)  # the first failing lines


@contextlib.contextmanager
def sandbox(entry: Entry, bindir: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A fresh directory to run a test in, and its environment; both go when the run is over."""
    with tempfile.TemporaryDirectory(prefix=f"ltp-{entry.name}-") as work, \
            tempfile.TemporaryDirectory(prefix="ltproot-") as root:
        # LTPROOT: LTP looks for a test's resource files (helper programs it copies into its temporary
        # directory, e.g. creat07_child) in $LTPROOT/testcases/bin, then in the directory it started in,
        # which here is the fresh one; the test programs' directory is that bin.
        (Path(root) / "testcases").mkdir()
        (Path(root) / "testcases" / "bin").symlink_to(bindir)
        env = dict(os.environ)
        env.update(TMPDIR=work, PATH=f"{bindir}:{env.get('PATH', '/usr/bin:/bin')}", LTP_TIMEOUT_MUL=TIMEOUT_MUL,
                   LTPROOT=root)
        yield Path(work), env


def kill_session(sid: int) -> None:
    """Kills every process of the session: LTP puts its test process in a process group of its own."""
    for _ in range(3):  # again, for what a dying process forked meanwhile
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[3]) == sid:
                    os.kill(int(stat.parent.name), signal.SIGKILL)


#: The sessions of the runs under way (their leaders' pids): what an interrupted or terminated harness kills.
RUNNING: set[int] = set()
RUNNING_LOCK = threading.Lock()
STOPPING = threading.Event()  # set once the harness is ending: no new run starts


def kill_running() -> None:
    """Kills every test session still running: the harness is ending (Ctrl-C, SIGTERM, an error), and a machine
    left behind would run on (a test that loops never ends by itself)."""
    STOPPING.set()
    with RUNNING_LOCK:
        sessions = list(RUNNING)
    for sid in sessions:
        kill_session(sid)


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds main's finally, which kills the running sessions


def execute(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[str, int | None, bool, float]:
    """Runs argv in its own session; on timeout the whole session is killed. Output, exit status, timed out, seconds."""
    start = time.monotonic()
    with RUNNING_LOCK:
        if STOPPING.is_set():
            raise SystemExit("ltp: the harness is ending")
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        RUNNING.add(proc.pid)
    try:
        out, _ = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        kill_session(proc.pid)
        out, _ = proc.communicate()
        timed_out = True
    except BaseException:  # an interrupted harness leaves no test behind
        kill_session(proc.pid)
        raise
    finally:
        with RUNNING_LOCK:
            RUNNING.discard(proc.pid)
    return out.decode(errors="replace"), proc.returncode, timed_out, time.monotonic() - start


def classify(output: str, rc: int | None, timed_out: bool, seconds: float, native: Run | None) -> Run:
    """The verdict of one run. With `native` given (a machine run), more TCONFs than the native run had fail:
    a case the machine skipped where Linux ran it."""
    counts = Counter({k: 0 for k in (*FAILING, "TPASS", "TCONF")})
    failing: list[str] = []
    skipped: list[str] = []
    for line in output.splitlines():
        found = RESULT.search(line)
        if found:
            kind = found.group(1)
            counts[kind] += 1
            if kind == "TCONF":
                skipped.append(line)
            elif kind in FAILING:
                failing.append(line)
    extra_conf = native is not None and counts["TCONF"] > native.counts.get("TCONF", 0)
    if timed_out:
        verdict = "timeout"
    elif rc is None or rc < 0 or rc >= 128:
        verdict = "crash"  # no status from the test (the machine died) or a signal killed it
    elif any(counts[k] for k in FAILING) or rc & 0b111 or rc & ~0b100111:
        verdict = "fail"
    elif rc == 32 or extra_conf or (native is None and counts["TCONF"] and not counts["TPASS"]):
        verdict = "conf" if native is None else "fail"
    else:
        verdict = "pass"
    if verdict != "pass":
        tail = [line for line in output.splitlines() if line.strip()][-SHOWN_LINES:]
        failing = failing or skipped or tail or [f"(no output; exit status {rc}, timed out: {timed_out})"]
    else:
        failing = []
    return Run(verdict, rc, dict(counts), round(seconds, 2), failing[:SHOWN_LINES])


def run_native(entry: Entry, path: Path, timeout: float) -> Run:
    with sandbox(entry, path.parent) as (work, env):
        out, rc, timed_out, seconds = execute([str(path), *entry.argv[1:]], work, env, timeout)
    return classify(out, rc, timed_out, seconds, None)


def run_machine(entry: Entry, path: Path, timeout: float, native: Run) -> Run:
    """On the machine the test runs directly, as the machine's init's child (pid 2, its parent PID 1), and
    `syscalltbl run` exits with its status (128+N when signal N killed it). Anything `run` says itself
    (a machine stopped, deadlocked or out of time, or a Python traceback) is no status of the test's."""
    with sandbox(entry, path.parent) as (work, env):
        argv = [sys.executable, "-m", "syscalltbl", "run", "--cwd", str(work), str(path), *entry.argv[1:]]
        out, rc, timed_out, seconds = execute(argv, work, env, timeout)
    if any(line.startswith(MACHINE_SAYS) for line in out.splitlines()):
        rc = None
    return classify(out, rc, timed_out, seconds, native)


# ---------------------------------------------------------------- the whole run


@dataclass
class Outcome:
    command: str
    area: str  # the syscall directory, e.g. alarm
    scope: str  # "in" or why not: the device marker, "not built"
    native: Run | None = None
    machine: Run | None = None


def measure(tree: Path, entry: Entry, sources: dict[str, Path], timeout: float, known: Run | None,
            machine: bool = True) -> Outcome:
    """One entry's outcome; `known` is its native run from an earlier result, which is not run again."""
    source = source_of(sources, entry.argv[0])
    area = source.parent.relative_to(tree / SYSCALLS).as_posix() if source else "?"
    outcome = Outcome(shlex.join(entry.argv), area, device_mark(source) or "in")
    path = binary(source, entry.argv[0])
    if outcome.scope != "in":
        return outcome
    if path is None:
        outcome.scope = "not built"
        return outcome
    outcome.native = known or run_native(entry, path, timeout)
    if machine and outcome.native.verdict == "pass":
        outcome.machine = run_machine(entry, path, timeout, outcome.native)
    tag = outcome.machine.verdict if outcome.machine else f"native {outcome.native.verdict}"
    print(f"ltp: {entry.name}: {tag}", flush=True)
    return outcome


def summary(outcomes: dict[str, Outcome]) -> list[str]:
    measured = {n: o for n, o in outcomes.items() if o.machine is not None}
    passed = sorted(n for n, o in measured.items() if o.machine and o.machine.verdict == "pass")
    scope = Counter(o.scope for o in outcomes.values())
    native = Counter(o.native.verdict for o in outcomes.values() if o.native)
    ratio = f"{100 * len(passed) / len(measured):.1f}%" if measured else "-"
    lines = [
        f"machine passes {len(passed)} of {len(measured)} in-scope tests that pass natively ({ratio})",
        f"entries: {len(outcomes)}; scope: {dict(sorted(scope.items()))}; native: {dict(sorted(native.items()))}",
        f"machine verdicts: {dict(sorted(Counter(o.machine.verdict for o in measured.values() if o.machine).items()))}",
        f"LTP_TIMEOUT_MUL={TIMEOUT_MUL}",
        "per area (machine passes / natively passing):",
    ]
    areas: dict[str, list[int]] = {}
    for o in measured.values():
        tally = areas.setdefault(o.area, [0, 0])
        tally[0] += o.machine is not None and o.machine.verdict == "pass"
        tally[1] += 1
    lines += [f"  {area}: {p}/{n}" for area, (p, n) in sorted(areas.items())]
    causes = Counter(cause(o.machine) for o in measured.values() if o.machine and o.machine.verdict != "pass")
    lines.append("most frequent first failing lines on the machine (tests):")
    lines += [f"  {n}: {line}" for line, n in causes.most_common(TOP_CAUSES)]
    return lines


def cause(run: Run) -> str:
    """A failure's first line without its source position, numbers blanked, so that tests failing alike group."""
    first = run.lines[0] if run.lines else ""
    bare = OLD_PREFIX.sub(r"\1: ", SOURCE_POSITION.sub("", first, count=1), count=1)
    return f"{run.verdict}: " + NUMBER.sub("N", bare)[:100]


def write(out: Path, tree: Path, timeout: float, outcomes: dict[str, Outcome]) -> list[str]:
    result = result_of(tree, timeout, outcomes)
    lines: list[str] = result["summary"]
    out.write_text(json.dumps(result, indent=1) + "\n")
    return lines


def result_of(tree: Path, timeout: float, outcomes: dict[str, Outcome]) -> dict[str, Any]:
    return {"ltp": str(tree), "source": tarball().name, "timeout_mul": TIMEOUT_MUL, "timeout": timeout,
            "summary": summary(outcomes), "tests": {n: asdict(o) for n, o in outcomes.items()}}


def reduced(result: dict[str, Any]) -> dict[str, Any]:
    """A harness result cut to what `syscalltbl compat` and the CI slice read; the same shape, fewer fields."""

    def run(r: dict[str, Any] | None, machine: bool) -> dict[str, Any] | None:
        if r is None:
            return None
        kept: dict[str, Any] = {"verdict": r["verdict"]}
        if machine:
            kept.update(seconds=r["seconds"], lines=r["lines"][:1])
        return kept

    tests = {name: {"area": t["area"], "scope": t["scope"], "native": run(t["native"], False),
                    "machine": run(t["machine"], True)} for name, t in result["tests"].items()}
    return {"source": result["source"], "timeout_mul": result["timeout_mul"], "summary": result["summary"][:3],
            "tests": tests}


def write_reduced(out: Path, result: dict[str, Any]) -> None:
    """One test a line, so that a new full run's file differs from the last one line by line."""
    small = reduced(result)
    head = {k: v for k, v in small.items() if k != "tests"}
    lines = [f" {json.dumps(name)}: {json.dumps(test)}" for name, test in small["tests"].items()]
    text = json.dumps(head, indent=1)[:-2] + ',\n "tests": {\n' + ",\n".join(lines) + "\n }\n}\n"
    out.write_text(text)


def native_runs(path: Path | None) -> dict[str, Run]:
    """The native runs an earlier result recorded, if it measured the same LTP source."""
    if path is None:
        return {}
    earlier = json.loads(path.read_text())
    if earlier.get("source") != tarball().name:
        raise SystemExit(f"{path}: measured {earlier.get('source')}, not {tarball().name}")
    return {name: Run(**test["native"]) for name, test in earlier["tests"].items() if test.get("native")}


def select(entries: list[Entry], names: list[str]) -> list[Entry]:
    by_name = {e.name: e for e in entries}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SystemExit(f"not in runtest/syscalls: {' '.join(unknown)}")
    return [by_name[n] for n in names]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="conformance/ltp.py", description="LTP's syscall tests, native and machine")
    parser.add_argument("--tests", nargs="+", metavar="NAME", help="runtest/syscalls entries to run (default: all)")
    parser.add_argument("--from-list", metavar="FILE", help="a file of entry names, one a line (# comments)")
    parser.add_argument("--jobs", type=int, default=1, help="tests run at once (default 1)")
    parser.add_argument("--out", default="ltp-results.json", help="the JSON result (default ltp-results.json)")
    parser.add_argument("--no-build", action="store_true", help="use the tree as it is")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run (default 600)")
    parser.add_argument("--ltp-dir", type=Path, help="an LTP tree to use (default: the cache's)")
    parser.add_argument("--native-from", type=Path, metavar="FILE",
                        help="take the native runs from an earlier JSON result of the same LTP source")
    parser.add_argument("--native-only", action="store_true",
                        help="run natively only: a result whose native runs a later --native-from reuses")
    parser.add_argument("--build-only", action="store_true", help="build, print the time it took and stop")
    parser.add_argument("--compat-out", type=Path, metavar="FILE",
                        help="also write the result reduced for `syscalltbl compat` (conformance/ltp-results.json)")
    parser.add_argument("--reduce", type=Path, metavar="RESULT",
                        help="run nothing: write --compat-out from this earlier JSON result")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.reduce:
        if not args.compat_out:
            raise SystemExit("--reduce needs --compat-out FILE")
        write_reduced(args.compat_out, json.loads(args.reduce.read_text()))
        return 0
    tree: Path = args.ltp_dir or default_tree()
    names: list[str] = list(args.tests or [])
    if args.from_list:
        text = Path(args.from_list).read_text()
        names += [w for line in text.splitlines() for w in line.split("#")[0].split()]
    if not args.no_build and not (tree / "runtest").exists():
        unpack(tree)
    if not (tree / "runtest").exists():
        raise SystemExit(f"no LTP tree at {tree}")
    entries = runtest_entries(tree)
    if names:
        entries = select(entries, names)
    sources = sources_by_command(tree)
    if not args.no_build:
        start = time.monotonic()
        # Only the directories of in-scope tests: a test that needs a device is never run, so never built.
        found = [source_of(sources, e.argv[0]) for e in entries]
        wanted = {s.parent.relative_to(tree) for s in found if s is not None and device_mark(s) is None}
        build(tree, sorted(wanted) if names else None)
        print(f"ltp: built in {time.monotonic() - start:.0f} s", flush=True)
    if args.build_only:
        return 0
    known = native_runs(args.native_from)
    outcomes: dict[str, Outcome] = {}
    lock = threading.Lock()

    def one(entry: Entry) -> None:
        outcome = measure(tree, entry, sources, args.timeout, known.get(entry.name), not args.native_only)
        if STOPPING.is_set():
            return  # its run was killed by the harness's end, not by the test: nothing measured
        with lock:  # the file is rewritten after each test, so an interrupted run keeps what it measured
            outcomes[entry.name] = outcome
            write(Path(args.out), tree, args.timeout, outcomes)

    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGHUP, _terminated)
    pool = ThreadPoolExecutor(max_workers=max(1, args.jobs))
    try:
        list(pool.map(one, entries))
    except BaseException:  # Ctrl-C or SIGTERM reach this thread only: the workers' tests are killed from here
        pool.shutdown(wait=False, cancel_futures=True)
        kill_running()
        raise
    pool.shutdown()
    ordered = {e.name: outcomes[e.name] for e in entries}
    lines = write(Path(args.out), tree, args.timeout, ordered)
    if args.compat_out:
        write_reduced(args.compat_out, result_of(tree, args.timeout, ordered))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
