"""`syscalltbl run --stats`: a strace -c style table, exact in everything but host seconds."""

from __future__ import annotations

import re
import subprocess
import sys

from test_runtime_examples import example

from syscalltbl.machine.tools.ftrace import CallRecord
from syscalltbl.machine.tools.stats import HEADER, RULE, Stats

SECONDS = re.compile(r"\d+\.\d{6} ")


def test_stats_of_forkpipe() -> None:
    proc = subprocess.run([sys.executable, "-m", "syscalltbl", "run", "--stats", example("forkpipe")],
                          capture_output=True, timeout=60, check=True)
    table = [SECONDS.sub("S ", x) for x in proc.stderr.decode().splitlines()]
    assert table == [
        HEADER,
        RULE,
        "  19.82           198          66         3            S close",
        "  19.82           198          66         3            S write",
        "  13.51           135          67         2         1  S wait4",
        "  13.21           132          66         2            S read",
        "   7.21            72          36         2            S exit_group",
        "   6.61            66          66         1            S fork",
        "   6.61            66          66         1            S getpid",
        "   6.61            66          66         1            S getppid",
        "   6.61            66          66         1            S pipe",
        RULE,
        " 100.00           999          62        16         1  S total",
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
