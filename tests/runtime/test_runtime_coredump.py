"""Core dumps (issue 17): with RLIMIT_CORE raised, an aborted child leaves an ELF core ("core", as
kernel.core_pattern says at boot) that names it and holds its memory, less what MADV_DONTDUMP left out; and
/proc/self/coredump_filter reads and takes its bits. Machine only: the host's core_pattern is its own."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import machine_root

EXPECTED = """\
filter: 00000033
write 0x13: 4
filter now: 00000013
write junk: -1
signaled 1 sig 6 core 1
core mode 600
elf core: 1 type 4 machine 62
first note: type 1 name CORE pid is the child's 1 signal 6
segments: 1 kept 1 hidden 0
done
"""


def test_an_aborted_child_leaves_an_elf_core(tmp_path: Path) -> None:
    program = build_static(tmp_path, "coredump.c")
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert (machine.stdout.decode(), machine.status) == (EXPECTED, 0), machine.text()[-4000:]
