"""`syscalltbl run`'s start-up with a warm cache (issue 20, point 3).

A warm run takes the kernel image, the vDSO, the init, the parsed prototypes
and the TSC's calibration from the cache: it imports no parser (Lark), no
renderer (Jinja2), no graph library (networkx) and no ELF reader
(pyelftools), and does not spin to measure the host's clock again.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from support import Cli

#: What builds a kernel or reads a table, and nothing a cached run needs.
BUILD_ONLY = {"lark", "jinja2", "networkx", "elftools"}
BUSYBOX = "/bin/busybox"


def _imports(cli: Cli, *args: str) -> set[str]:
    """The modules `syscalltbl ARGS` imports, as `python -X importtime` lists them; the run must succeed."""
    python = Path(cli.executable).parent / "python"
    proc = subprocess.run([str(python), "-X", "importtime", "-m", "syscalltbl", *args],
                          capture_output=True, env=cli.env, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    lines = proc.stderr.decode().splitlines()
    return {line.split("|")[-1].strip() for line in lines if line.startswith("import time:")}


def test_a_warm_run_imports_no_parser_renderer_or_elf_reader(cli: Cli) -> None:
    assert cli.run("run", BUSYBOX, "true").returncode == 0  # fills the cache
    imported = _imports(cli, "run", BUSYBOX, "true")
    assert "unicorn" in imported  # the listing is complete: the machine itself was imported
    assert not imported & BUILD_ONLY
    assert not imported & {"tomllib", "uuid"}  # the syscall classes and the uuid module, neither used


def test_a_warm_run_imports_only_the_syscall_families_its_program_calls(cli: Cli) -> None:
    assert cli.run("run", BUSYBOX, "true").returncode == 0  # fills the cache: it indexes every family
    imported = _imports(cli, "run", BUSYBOX, "true")
    families = {m.rpartition(".")[2] for m in imported if m.startswith("syscalltbl.machine.syscalls.")}
    assert {"families", "registry", "process", "signal", "mm"} <= families  # what busybox and the init call
    assert not families & {"socket", "io_uring", "keys", "bpf", "mount", "epoll"}


def test_a_run_ends_without_tearing_the_interpreter_down(cli: Cli) -> None:
    # cli/entry.py: the exit handlers run and the streams are flushed, but no object is freed one by one.
    python = Path(cli.executable).parent / "python"
    program = ("import atexit, sys\n"
               "class Late:\n    def __del__(self) -> None:\n        print('torn down')\n"
               "late = Late()\natexit.register(lambda: print('exit handler'))\n"
               f"sys.argv = ['syscalltbl', 'run', {BUSYBOX!r}, 'sh', '-c', 'seq 20000; echo err >&2; exit 3']\n"
               "from syscalltbl.cli.entry import main\nraise SystemExit(main())\n")
    proc = subprocess.run([str(python), "-c", program], capture_output=True, env=cli.env, check=False)
    assert proc.returncode == 3, proc.stderr.decode()[-2000:]
    lines = proc.stdout.decode().splitlines()
    assert lines[:20000] == [str(i) for i in range(1, 20001)] and lines[20000:] == ["exit handler"]
    assert proc.stderr == b"err\n"
    show = program.replace(program[program.index("sys.argv"):program.index("from syscalltbl")],
                           "sys.argv = ['syscalltbl', 'show', 'getpid']\n")
    proc = subprocess.run([str(python), "-c", show], capture_output=True, env=cli.env, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]  # another command ends as Python ends
    assert proc.stdout.decode().splitlines()[-2:] == ["exit handler", "torn down"]


def test_a_warm_traced_run_reads_its_prototypes_from_the_cache(cli: Cli) -> None:
    assert cli.run("run", "--trace", BUSYBOX, "true").returncode == 0
    imported = _imports(cli, "run", "--trace", BUSYBOX, "true")
    assert "syscalltbl.machine.tools.trace" in imported
    assert not imported & BUILD_ONLY


def test_the_tsc_rate_is_measured_once_per_host_boot(cli: Cli) -> None:
    # As Linux calibrates tsc_khz once at boot: every run of one host boot shows the same cpu MHz
    # (two 20 ms measurements differ in the last digits).
    runs = [cli.run("run", BUSYBOX, "grep", "MHz", "/proc/cpuinfo") for _ in range(3)]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    shown = {r.stdout for r in runs}
    assert len(shown) == 1 and shown.pop().startswith(b"cpu MHz"), [r.stdout for r in runs]


def test_the_vdso_is_keyed_by_all_of_the_table_it_is_made_of() -> None:
    """build_vdso keys its cache entry by the numbers of FALLBACK_CALLS alone: the rendered sources
    must change with those numbers and with no other of the table."""
    from syscalltbl.generators.x86_64.kernel import Syscall, select_64
    from syscalltbl.generators.x86_64.vdso import render_vdso
    from syscalltbl.machine.kernel.vdso import FALLBACK_CALLS
    from syscalltbl.tables.read import parse_table
    from syscalltbl.tables.target import default

    table = select_64(parse_table(default().table))
    shipped = render_vdso(table, source="syscall_64.tbl")

    def renumbered(moved: bool) -> list[Syscall]:
        return [Syscall(s.number + 1000, s.name, s.entry_point, s.noreturn) if (s.name in FALLBACK_CALLS) == moved
                else s for s in table]

    assert render_vdso(renumbered(False), source="syscall_64.tbl") == shipped
    assert render_vdso(renumbered(True), source="syscall_64.tbl") != shipped
