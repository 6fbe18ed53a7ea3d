"""benchmarks/peers.py (issue 20, point 1): its usage, and its cheapest workload run for real, once.

The benchmark's figures are not judged here (the host's load moves them);
what is checked is that the script runs its runners to a table and a summary.
"""

from __future__ import annotations

import re
import subprocess
import sys

from support import REPO

PEERS = REPO / "benchmarks" / "peers.py"


def peers(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(PEERS), *args], capture_output=True, text=True, timeout=600,
                          check=False)


def test_peers_help_names_its_options() -> None:
    proc = peers("--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: peers.py"), proc.stdout
    for option in ("-n N", "--only NAME", "--no-qemu", "--no-install", "--check"):
        assert option in proc.stdout, option


def test_peers_only_getpid_runs_once() -> None:
    proc = peers("--only", "getpid", "-n", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("getpid through `syscall`, calls/s")]
    assert len(rows) == 1, proc.stdout
    # A rate for native and the machine, and the machine/native ratio: every runner ran and agreed.
    assert re.search(r"^\S.*?\s+[\d.]+ [MK]?/s\s.*\s[\d.]+ [MK]?/s\s+[\d.]+x\s+(\S+)$", rows[0]), rows[0]
    assert re.search(r"^  getpid >= 600K calls/s on the machine\s+[\d,]+/s  (PASS|FAIL)$", proc.stdout, re.M), \
        proc.stdout
    assert re.search(r"^  busybox within 1.5x of qemu-user\s+not run  n/a$", proc.stdout, re.M), proc.stdout
    assert re.findall(r"running (\w+)", proc.stderr) == ["getpid"], proc.stderr  # --only ran nothing else


def test_peers_only_rejects_an_unknown_workload() -> None:
    proc = peers("--only", "nosuch")
    assert proc.returncode == 2
    assert "invalid choice: 'nosuch'" in proc.stderr
