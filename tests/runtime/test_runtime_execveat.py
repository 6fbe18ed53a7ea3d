"""execveat (issue 17): paths relative to a descriptor, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW and the /dev/fd/N
names a program and a script's interpreter see; exec's ETXTBSY both ways; /proc/self/status's Vm* and Rss*
lines in Linux's order. All held to a native run on a tmpfs."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import machine_root, native_output

FACTS = (
    "  ran: argc 2 argv[0] report argv[1] x execfn /dev/fd/4 comm prog",
    "  failed: ELOOP",
    "  failed: ETXTBSY",
    "open the running program for writing: ETXTBSY",
    "status: VmPeak VmSize VmLck VmPin VmHWM VmRSS RssAnon RssFile RssShmem VmData VmStk VmExe VmLib VmPTE VmSwap",
    "done",
)


def test_execveat_and_exec_write_denial_as_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "execveat.c")
    text = native_output(program, FACTS)
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert machine.status == 0, machine.text()[-4000:]
    assert machine.stdout.decode() == text
