"""statmount(2) and listmount(2) (issue 17): data/statmount.c on the machine.

Machine only: natively the host's mount table (and whether it lets the test mount) differs from run to run.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import machine_root

EXPECTED = [
    "a mount more: yes",
    "statmount: 0",
    "mask 0xb2 type tmpfs point /work/mnt opts size=1024k",
    "private: yes, parent listed: yes",
    "no room for strings: Value too large for defined data type",
    "after umount: No such file or directory",
    "mnt_id 0: Invalid argument",
    "flags: Invalid argument",
]


def test_statmount_and_listmount_see_the_mount_table(tmp_path: Path) -> None:
    program = build_static(tmp_path, "statmount.c")
    outcome = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert outcome.stdout.decode().splitlines() == EXPECTED, outcome
