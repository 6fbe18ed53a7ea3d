"""`syscalltbl run --stats`: a strace -c style table, exact in everything but host seconds."""

from __future__ import annotations

import re
import subprocess
import sys

from syscalltbl.kernel_runtime.ftrace import CallRecord
from syscalltbl.kernel_runtime.stats import HEADER, RULE, Stats
from test_runtime_examples import example

SECONDS = re.compile(r"\d+\.\d{6} ")


def test_stats_of_forkpipe() -> None:
    proc = subprocess.run([sys.executable, "-m", "syscalltbl", "run", "--stats", example("forkpipe")],
                          capture_output=True, timeout=60, check=True)
    table = [SECONDS.sub("S ", x) for x in proc.stderr.decode().splitlines()]
    assert table == [
        HEADER,
        RULE,
        "  19.67           180          60         3            S close",
        "  19.67           180          60         3            S write",
        "  13.44           123          61         2         1  S wait4",
        "  13.11           120          60         2            S read",
        "   7.87            72          36         2            S exit_group",
        "   6.56            60          60         1            S fork",
        "   6.56            60          60         1            S getpid",
        "   6.56            60          60         1            S getppid",
        "   6.56            60          60         1            S pipe",
        RULE,
        " 100.00           915          57        16         1  S total",
    ]


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
