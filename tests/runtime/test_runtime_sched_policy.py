"""Scheduling policies (issue 17): sched_setscheduler, setparam, getscheduler, getparam, setattr and getattr
keep a task's policy and priority with Linux's checks, SCHED_RESET_ON_FORK and the unprivileged rules,
held to a native run."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs, machine_root, trace_on_machine

FACTS = (
    "now: policy 1 priority 10",
    "priority now 20",
    "FIFO 100: EINVAL",
    "no such pid: ESRCH",
    "RR 5 reset-on-fork: ok, getscheduler 0x40000002",
    "child: policy 0 priority 0",
    "getattr small: EINVAL",
    "setattr BATCH nice 5: ok, policy 3 nice 5",
    "setattr size 8: E2BIG, size written 56",
    "nobody FIFO: EPERM",
    "nobody back to OTHER: EPERM",
    "done",
)


def test_policies_answer_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "schedpolicy.c"), FACTS)


TRACED = "trace=sched_setscheduler,sched_getscheduler,sched_setparam,sched_getparam,personality,ioprio_set,ioprio_get"


def _calls(text: str) -> list[str]:
    """The traced calls' lines, strace's alignment and pid prefixes dropped, another process's pid as PID."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\[pid +\d+\] ", "", line)
        if not line.startswith(tuple(name + "(" for name in TRACED.removeprefix("trace=").split(","))):
            continue
        line = re.sub(r"\) += ", ") = ", line)
        out.append(re.sub(r"^(sched_setscheduler)\((?!0,|-1,|999999,)\d+,", r"\1(PID,", line))
    return out


def test_policies_and_attributes_are_traced_as_strace_prints_them(tmp_path: Path) -> None:
    for source in ("schedpolicy.c", "procattr.c"):
        program = build_static(tmp_path, source)
        with tempfile.TemporaryDirectory(dir="/dev/shm") as here:
            native = subprocess.run(["strace", "-f", "-e", TRACED, str(program)], cwd=here, capture_output=True,
                                    timeout=120, check=False)
        expected = _calls(native.stderr.decode())
        assert native.returncode == 0 and len(expected) > 10, native.stderr.decode()
        out = tmp_path / f"{source}.trace"
        proc = trace_on_machine(machine_root(tmp_path / source, program), program, out)
        assert proc.returncode == 0, proc.stderr
        assert _calls(out.read_text()) == expected
