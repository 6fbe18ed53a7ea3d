"""--trace of mount, umount2, unshare, setns, chroot, pivot_root, open_tree, move_mount and mount_setattr,
held to strace run on the same program.

data/mount_trace.c makes each call with the flags strace names specially;
strace (installed with the project's test packages) traces it natively, the
machine's --trace on the machine. The static program is not position
independent, so its string addresses are the same in both runs: the lines
must be equal, strace's padding before " = " aside.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from busybox import build_static
from tmpfs_native import machine_root, trace_on_machine

CALLS = ("mount", "umount2", "unshare", "setns", "chroot", "pivot_root", "open_tree", "move_mount", "mount_setattr")
LINE = re.compile(rf"^(?:\d+ +)?((?:{'|'.join(CALLS)})\(.*\)) +(= .*)$")


def _lines(text: str) -> list[str]:
    return [f"{m[1]} {m[2]}" for m in map(LINE.match, text.splitlines()) if m]


def test_mount_calls_trace_as_strace_prints_them(tmp_path: Path) -> None:
    program = build_static(tmp_path, "mount_trace.c")
    strace = shutil.which("strace")
    assert strace is not None, "strace is needed (tests/run.sh installs it)"
    native_out = tmp_path / "native.strace"
    subprocess.run([strace, "-o", str(native_out), "-e", f"trace={','.join(CALLS)}", str(program)],
                   cwd=tmp_path, capture_output=True, timeout=60, check=True)
    expected = _lines(native_out.read_text())
    assert len(expected) == 22, expected
    traced = tmp_path / "machine.trace"
    run = trace_on_machine(machine_root(tmp_path / "root", program), program, traced)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert _lines(traced.read_text()) == expected
