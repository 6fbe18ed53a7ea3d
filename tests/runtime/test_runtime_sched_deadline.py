"""SCHED_DEADLINE (issue 17): data/sched_deadline.c on the machine, as Linux answers it.

Machine only: natively it needs root and a cpu whose deadline bandwidth no other task holds.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import machine_root

EXPECTED = [
    "runtime past deadline: Invalid argument",
    "runtime below 1024 ns: Invalid argument",
    "97% of the cpu: Device or resource busy",  # past sched_rt_runtime / sched_rt_period (95%)
    "a third: ok",
    "read back: policy 6 runtime 10000000 deadline 30000000 period 30000000",
    "fork: Resource temporarily unavailable",
    "a tenth: ok",
    "spinning got a share of the cpu below a half: yes",  # throttled once its runtime is used
]


def test_deadline_tasks_are_admitted_and_throttled(tmp_path: Path) -> None:
    program = build_static(tmp_path, "sched_deadline.c")
    outcome = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert outcome.stdout.decode().splitlines() == EXPECTED, outcome
