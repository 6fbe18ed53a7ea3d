"""benchmarks/syscall_floors.py: the floors under a system call, beside the machine's getpid rate (issue 20).

Run as anyone runs it (a real process, with few calls: these are not timings
but a check that every row is measured, since benchmarks/peers.py imports
`measure()`). The machine's two rows go through the whole ring path, and the
getpid loop must end with the pid it was given, so a syscall hook that lost
its place would fail here.
"""

from __future__ import annotations

import re
import subprocess
import sys

from support import REPO

ROWS = (
    "hook, no-op callback (raw ctypes, as the machine)",
    "hook, no-op callback (stock binding)",
    "hook + 7 register reads, 1 write (raw ctypes)",
    "hook + pt_regs unpack/store in RAM",
    "ring path, no Python dispatch (unimplemented nr)",
    "machine getpid, full ring path",
)


def test_syscall_floors_prints_every_floor_and_the_getpid_rate() -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "syscall_floors.py"), "-n", "3000", "-r", "1"],
        capture_output=True, text=True, cwd=REPO, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(ROWS) + 1, proc.stdout
    for name, line in zip(ROWS, lines, strict=False):
        match = re.fullmatch(rf"{re.escape(name)}\s+([\d,]+) calls/s\s+[\d.]+ us", line)
        assert match is not None and int(match[1].replace(",", "")) > 0, line
    assert lines[-1] == "(best of 1 x 3,000 calls, interleaved)"
