"""The add-a-syscall loop: from the table edit to the program's output, against the kernel's rebuild.

    .venv/bin/python benchmarks/bench_addsyscall.py [--runs N] [--kernel]

syscalltbl: `add-syscall my_func`, write its body, `build`, then `run` a
Python program and a C program (gcc -static -nostdlib against the generated
stubs) that print my_func's result; the time is wall clock, CLI processes
included, as a user would see it. --kernel also times Linux's loop on
Debian's linux-source-6.12 (x86-64 tinyconfig, built once first): the same
line added to arch/x86/entry/syscalls/syscall_64.tbl, then `make`. It takes
minutes and needs build-essential flex bison bc libelf-dev libssl-dev.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "syscalltbl"]
BODY = "    return a + b\n"
PY = 'import sys\nsys.path.insert(0, "build/runtime/x86_64/python")\nimport libc\nprint(libc.my_func(40, 2))\n'
C = '#include "syscall.h"\nint main(void)\n{\n\treturn my_func(40, 2) == 42 ? 0 : 1;\n}\n'


def sh(*args: str | Path, cwd: Path) -> str:
    return subprocess.run([*map(str, args)], cwd=cwd, check=True, capture_output=True, text=True).stdout


def loop(work: Path) -> tuple[float, float]:
    """Seconds from the table edit to the Python program's output, and to the C program's exit."""
    proj = work / "proj"
    sh(*CLI, "init", proj, cwd=work)
    (proj / "prog.py").write_text(PY)
    (proj / "prog.c").write_text(C)
    sh(*CLI, "build", cwd=proj)  # the tree as it was before the edit: the incremental build's baseline
    start = time.perf_counter()
    sh(*CLI, "add-syscall", "my_func", "--params", "int a, int b", cwd=proj)
    impl = proj / "syscalls" / "my_func.py"
    impl.write_text(impl.read_text().replace("    raise Errno(ENOSYS)  # until its body is written\n", BODY))
    sh(*CLI, "build", cwd=proj)
    assert sh(*CLI, "run", "prog.py", cwd=proj) == "42\n"
    python_done = time.perf_counter()
    user = proj / "build/runtime/x86_64/user"
    sh("gcc", "-static", "-nostdlib", "-fno-builtin", "-fno-stack-protector", "-no-pie", "-I", user, "-o", "prog",
       "prog.c", user / "crt0.S", user / "stubs.S", cwd=proj)
    sh(*CLI, "run", "./prog", cwd=proj)
    return python_done - start, time.perf_counter() - start


def kernel_loop() -> float:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    import importlib

    # tests/ is not a package: the helper is found through sys.path, as bench_kernel.py finds it.
    debian_cache = importlib.import_module("debian_cache")
    source: Path = debian_cache.linux_source_tree()
    # Build in a copy: the unpacked tree is shared with the lint tests, which must see it pristine.
    tree = debian_cache.cache_root() / "linux-build" / source.name
    if not tree.exists():
        tree.parent.mkdir(parents=True, exist_ok=True)
        sh("cp", "-a", source, tree, cwd=tree.parent)
    missing = [p for p in ("flex", "bison", "bc", "libelf-dev", "libssl-dev", "make", "gcc")
               if subprocess.run(["dpkg", "-s", p], capture_output=True, check=False).returncode != 0]
    if missing:
        sh("apt-get", "install", "-y", "-q", "--no-install-recommends", *missing, cwd=tree.parent)
    jobs = str(os.cpu_count() or 1)
    if not (tree / "vmlinux").exists():
        sh("make", "ARCH=x86_64", "tinyconfig", cwd=tree)
        sh("make", "ARCH=x86_64", "-j", jobs, cwd=tree)
    table = tree / "arch/x86/entry/syscalls/syscall_64.tbl"
    original = table.read_bytes()
    try:
        start = time.perf_counter()
        # sys_ni_syscall: the entry the table needs without a C body, so make measures the table edit alone.
        marker = "\n\n#\n# Due to a historical"
        text = original.decode().replace(marker, "\n470\tcommon\tmy_func\t\t\tsys_ni_syscall" + marker, 1)
        table.write_text(text)
        sh("make", "ARCH=x86_64", "-j", jobs, cwd=tree)
        return time.perf_counter() - start
    finally:
        table.write_bytes(original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kernel", action="store_true", help="also time make on linux-source-6.12 (minutes)")
    args = parser.parse_args()
    if shutil.which("gcc") is None:
        sys.exit("needs gcc")
    py_times, c_times = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as work:
            to_python, to_c = loop(Path(work))
        py_times.append(to_python)
        c_times.append(to_c)
    print(f"syscalltbl: table edit -> Python program's output: median {statistics.median(py_times):.2f} s "
          f"(min {min(py_times):.2f}, {args.runs} runs)")
    print(f"syscalltbl: table edit -> C program's exit (gcc incl.): median {statistics.median(c_times):.2f} s "
          f"(min {min(c_times):.2f})")
    if args.kernel:
        seconds = kernel_loop()
        print(f"Linux 6.12 tinyconfig: table edit -> make done: {seconds:.1f} s "
              f"({seconds / statistics.median(c_times):.0f}x the syscalltbl loop)")
    else:
        print("Linux 6.12 tinyconfig: not measured (pass --kernel; it takes minutes)")


if __name__ == "__main__":
    main()
