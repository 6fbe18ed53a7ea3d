"""PID namespaces (issue 17: clone and unshare with CLONE_NEWPID, clone3's set_tid, NS_GET_PARENT).

One static C program (data/pidns.c) checks clone3's set_tid refusals, then
clones a child into a new pid namespace: the child sees itself as pid 1 with
parent 0, reaps an orphan reparented to it, outlives a signal from inside it
has no handler for, unshares a nested namespace whose first child is pid 1
there and whose end refuses further forks (ENOMEM, the failed fork's numbers
spent as on Linux), mounts a /proc that shows its namespace's processes by
their numbers there, ends a nested one by reboot(2) (its init dies of
SIGHUP), nests 32 levels and no more (ENOSPC), and leaves a process behind
that its end kills. The parent sees the global pid in clone's, waitid's and
waitpid's answers, and both numbers in /proc/PID/status's NSpid. Natively it
runs as root; the outputs and exit statuses must be the same, and the native
run must print its FACTS.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from busybox import ENV, build_static
from native_vs_machine import run_machine
from tmpfs_native import machine_root

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "set_tid: a new namespace's first not 1: EINVAL",
    "set_tid: more than the levels: EINVAL",
    "set_tid: a pid in use: EEXIST",
    "NS_GET_PARENT of the child's is ours: 1",
    "NS_GET_PARENT of the first: EPERM",
    "status NSpid: the global pid, then 1: 1",
    "init getpid: 1",
    "init getppid: 0",
    "wait reaps it: 2",
    "init reaps the orphan: 3",
    "orphan saw ppid 1: 7",
    "kill(1, SIGTERM) from inside succeeds: 1",
    "/proc lists the init and this viewer only: 1",
    "/proc/1/status NSpid:\t1",
    "again: EINVAL",
    "nested getpid: 1",
    "nested getppid: 0",
    "fork after the nested init ended: ENOMEM",
    "reboot CAD_ON in a pid namespace: EINVAL",
    "reboot RESTART: the nested init dies of signal: 1",
    "unshare NEWPID below level 32: ENOSPC",
    "waitid si_pid is the global pid: 1",
    "init exit status: 5",
    "the process it left is gone (pipe EOF): 1",
    "done",
)


def test_pid_namespaces_as_on_linux(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("the native run makes pid namespaces: it needs root")
    program = build_static(tmp_path, "pidns.c")
    native = subprocess.run([str(program)], cwd=tmp_path, env=ENV, capture_output=True, timeout=60, check=False)
    text = native.stdout.decode()
    assert native.returncode == 0, f"natively:\n{text}{native.stderr.decode()}"
    for fact in FACTS:
        assert fact in text.splitlines(), f"natively, {fact!r} is missing:\n{text}"
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert (machine.stdout.decode(), machine.status) == (text, 0), machine.text()[-4000:]
