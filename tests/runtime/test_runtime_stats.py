"""`syscalltbl run --stats`: a strace -c style table, exact in everything but host seconds;
per process when several ran, per thread when a process had several."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

from busybox import build_static
from test_runtime_examples import example

from syscalltbl.machine.tools.ftrace import CallRecord
from syscalltbl.machine.tools.stats import HEADER, RULE, THREAD_HEADER, Stats

SECONDS = re.compile(r"\d+\.\d{6}")


def stats_of(program: Path) -> tuple[bytes, list[str]]:
    proc = subprocess.run([sys.executable, "-m", "syscalltbl", "run", "--stats", str(program)],
                          capture_output=True, timeout=120, check=True)
    return proc.stdout, [SECONDS.sub("S", x) for x in proc.stderr.decode().splitlines()]


def test_stats_of_forkpipe_per_process_then_in_total() -> None:
    # The parent's calls, the forked child's, then both: each row of the total is the sum of the two.
    out, table = stats_of(example("forkpipe"))
    assert out == b"THROUGH THE PIPE\nchild exited 3\n"
    assert table == [
        "pid 2 (forkpipe)",
        HEADER,
        RULE,
        "  21.29           139          69         2         1  S wait4",
        "  20.83           136          68         2            S close",
        "  20.83           136          68         2            S write",
        "  10.41            68          68         1            S fork",
        "  10.41            68          68         1            S getpid",
        "  10.41            68          68         1            S pipe",
        "   5.82            38          38         1            S exit_group",
        RULE,
        " 100.00           653          65        10         1  S total",
        "pid 3 (forkpipe)",
        HEADER,
        RULE,
        "  35.98           136          68         2            S read",
        "  17.99            68          68         1            S close",
        "  17.99            68          68         1            S getppid",
        "  17.99            68          68         1            S write",
        "  10.05            38          38         1            S exit_group",
        RULE,
        " 100.00           378          63         6            S total",
        "total (2 processes)",
        HEADER,
        RULE,
        "  19.79           204          68         3            S close",
        "  19.79           204          68         3            S write",
        "  13.48           139          69         2         1  S wait4",
        "  13.19           136          68         2            S read",
        "   7.37            76          38         2            S exit_group",
        "   6.60            68          68         1            S fork",
        "   6.60            68          68         1            S getpid",
        "   6.60            68          68         1            S getppid",
        "   6.60            68          68         1            S pipe",
        RULE,
        " 100.00          1031          64        16         1  S total",
    ]


def test_stats_of_threads_one_line_per_thread(tmp_path: Path) -> None:
    # data/stats_threads.c: three threads make 10, 20 and 30 getppid calls, and otherwise the same ones;
    # the main thread's line comes first (the lowest tid), and the lines add up to the total.
    program = build_static(tmp_path, "stats_threads.c")  # glibc 2.34+: pthreads are in libc
    native = subprocess.run([str(program)], capture_output=True, timeout=60, check=True)
    out, lines = stats_of(program)
    assert out == native.stdout == b"30 calls agreed\n"
    assert not any(line.startswith("pid ") for line in lines)  # one process: no per-process tables
    getppid = next(line for line in lines if line.endswith(" getppid")).split()
    assert getppid[1:4] == ["4080", "68", "60"]
    total = next(line for line in lines if line.endswith(" total")).split()
    threads = [[int(x) for x in line.split()[:2]] for line in lines[lines.index(THREAD_HEADER) + 1:]]
    tids = [tid for tid, _ in threads]
    assert len(threads) == 4 and tids == sorted(set(tids))
    assert sum(calls for _, calls in threads) == int(total[3])
    created = [calls for _, calls in threads[1:]]
    assert [b - a for a, b in itertools.pairwise(created)] == [10, 10]


def test_rows_sum_and_sort() -> None:
    stats = Stats()
    for name, counts, result in (("b", [10, 0, 0], 0), ("a", [5, 5, 0], -2), ("b", [1, 1, 1], 3)):
        stats(CallRecord(1, "p", name=name, counts=counts, result=result, host_seconds=0.5))
    assert stats.render().splitlines()[2:] == [
        "  56.52            13           6         2            1.000000 b",
        "  43.48            10          10         1         1  0.500000 a",
        RULE,
        " 100.00            23           7         3         1  1.500000 total",
    ]


def test_processes_and_threads_are_kept_apart() -> None:
    # Threads 5 and 6 of process 5, and process 9 (after an execve: its last name is the one shown).
    stats = Stats()
    for tid, tgid, comm, name, result in ((5, 5, "sh", "read", 3), (6, 5, "sh", "read", -9), (6, 5, "sh", "write", 1),
                                          (9, 9, "sh", "execve", 0), (9, 9, "ls", "write", 4)):
        stats(CallRecord(tid, comm, name=name, counts=[1, 2, 3], result=result, host_seconds=0.25, tgid=tgid))
    assert stats.render().splitlines() == [
        "pid 5 (sh)", HEADER, RULE,
        "  66.67            12           6         2         1  0.500000 read",
        "  33.33             6           6         1            0.250000 write",
        RULE,
        " 100.00            18           6         3         1  0.750000 total",
        THREAD_HEADER,
        "      5         1                       6  0.250000",
        "      6         2         1            12  0.500000",
        "pid 9 (ls)", HEADER, RULE,
        "  50.00             6           6         1            0.250000 execve",
        "  50.00             6           6         1            0.250000 write",
        RULE,
        " 100.00            12           6         2            0.500000 total",
        "total (2 processes)", HEADER, RULE,
        "  40.00            12           6         2         1  0.500000 read",
        "  40.00            12           6         2            0.500000 write",
        "  20.00             6           6         1            0.250000 execve",
        RULE,
        " 100.00            30           6         5         1  1.250000 total",
    ]
