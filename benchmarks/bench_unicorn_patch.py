"""The stock Unicorn 2.1.4 against syscalltbl's patched one: peers.py's workloads, cpu time, beside qemu-user.

peers.py times wall clock, which on a loaded host mostly measures the load;
this runs its busybox script, bash loop and `busybox true` start-up under
qemu-user and on the machine with each library (chosen per run with
LIBUNICORN_PATH, which the binding honours), interleaved, and prints the
best user + sys time of each. The stock library comes from PyPI's wheel
(downloaded once into the cache); the patched one is this environment's
(python -m syscalltbl.machine.hw.unicorn_patch installs it), or --patched DIR.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import peers
from syscalltbl.machine.hw.unicorn_patch import SDIST_VERSION
from syscalltbl.store import cachedir

WORKLOADS = ("busybox", "bash", "start")
_LIBRARY = "libunicorn.so.2"


def stock_library() -> Path:
    """A directory holding PyPI's libunicorn.so.2 (the wheel downloaded once, into the cache)."""
    directory = cachedir.root() / "unicorn" / f"stock-{SDIST_VERSION}"
    if not (directory / _LIBRARY).is_file():
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                            "--only-binary", ":all:", f"unicorn=={SDIST_VERSION}", "-d", tmp], check=True)  # fmt: skip
            (wheel,) = Path(tmp).glob("unicorn-*.whl")
            directory.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(wheel) as archive:
                (directory / _LIBRARY).write_bytes(archive.read(f"unicorn/lib/{_LIBRARY}"))
    return directory


def installed_library() -> Path:
    import unicorn

    return Path(unicorn.__file__).parent / "lib"


def run(argv: list[str], env: dict[str, str], cwd: Path | None) -> tuple[float, float, bytes]:
    """Wall and cpu (user + sys) seconds of one run, and its stdout; a failed run raises."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, timeout=600, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc.stdout


def measure(workload: peers.Workload, libraries: dict[str, Path], repetitions: int) -> dict[str, tuple[float, float]]:
    runs: dict[str, tuple[list[str], dict[str, str]]] = {"qemu-user": (workload.argvs["qemu-user", 0], workload.env)}
    for name, directory in libraries.items():
        runs[f"machine, {name}"] = (workload.argvs["machine", 0], dict(workload.env, LIBUNICORN_PATH=str(directory)))
    for argv, env in runs.values():  # untimed: caches warm, kernel image built
        run(argv, env, workload.cwd)
    best: dict[str, tuple[float, float]] = {}
    expected: bytes | None = None
    for _ in range(repetitions):
        for label, (argv, env) in runs.items():
            wall, cpu, stdout = run(argv, env, workload.cwd)
            expected = stdout if expected is None else expected
            if stdout != expected:
                raise RuntimeError(f"{label}: stdout {stdout[-120:]!r}, qemu-user's {expected[-120:]!r}")
            old = best.get(label, (float("inf"), float("inf")))
            best[label] = (min(old[0], wall), min(old[1], cpu))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5, metavar="N", help="runs of each command, best counts (default 5)")
    parser.add_argument("--patched", type=Path, metavar="DIR", help="directory of the patched libunicorn.so.2 "
                                                                    "(default: this environment's)")
    args = parser.parse_args()
    libraries = {"stock": stock_library(), "patched": args.patched or installed_library()}
    tools = peers.find_tools(True, False)
    if "qemu-user" not in tools.prefixes:
        print("qemu-x86_64 is missing: install Debian's qemu-user", file=sys.stderr)
        return 1
    print(f"load average {os.getloadavg()[0]:.2f} at the start; cpu = user + sys, best of {args.n}, interleaved")
    with tempfile.TemporaryDirectory() as tmp:
        made = peers.workloads(tools, Path(tmp), False)
        for name in WORKLOADS:
            workload = made[name]()
            best = measure(workload, libraries, args.n)
            print(f"{workload.title}:")
            for label, (wall, cpu) in best.items():
                print(f"  {label:18} wall {wall:7.3f} s   cpu {cpu:7.3f} s")
            qemu_cpu = best["qemu-user"][1]
            print("  machine / qemu-user cpu: "
                  + ", ".join(f"{lib} {best[f'machine, {lib}'][1] / qemu_cpu:.2f}x" for lib in libraries))  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
