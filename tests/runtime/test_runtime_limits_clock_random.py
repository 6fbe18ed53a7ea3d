"""RLIMIT_NOFILE and fs.nr_open, RLIMIT_CPU, the random device's ioctls, /proc/self/mounts' poll, a pipe's page
slots, splice's refusals and one clock for the vDSO and clock_gettime (issue 17): data/limits_clock_random.c
on the machine, held to what Linux gives.

Machine only: natively the limits are the host's (a container raises RLIMIT_NOFILE) and fs.nr_open is
the host's to change, so the expected lines are Linux's defaults and errnos.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import machine_root

EXPECTED = [
    "RLIMIT_NOFILE 1024 4096",  # INR_OPEN_CUR, INR_OPEN_MAX
    "nr_open 1048576",
    "nr_open 63: Invalid argument",  # below sysctl_nr_open_min
    "nr_open 128: ok",
    "dup2 to 200: Too many open files",  # below RLIMIT_NOFILE, past nr_open: expand_files' EMFILE
    "dup2 to 100: ok",
    "hard 129: Operation not permitted",  # above nr_open
    "nr_open 1048576: ok",
    "RNDGETENTCNT: 0 256",
    "RNDGETPOOL: Invalid argument",
    "entropy_avail 256 poolsize 256",
    "mounts before: 0",
    "mounts after mount: 1 0xa",  # POLLPRI | POLLERR
    "one slot: write 100, again -1, merged 50",  # pipe_write merges into the last page, no new slot
    "a slot half read: POLLOUT 0",  # pipe_full counts slots, not bytes
    "the slot emptied: POLLOUT 1",
    "splice pipe -> eventfd: Invalid argument",  # no ->splice_write: refused before the empty pipe is waited on
    "splice eventfd -> pipe: Invalid argument",  # no ->splice_read: its read (which would wait) is not tried
    "vDSO reads earlier than the syscall's before them: 0",
    "SIGXCPU; soft now 2",  # check_process_timers moves the soft limit on a second
    "child: Killed",  # at the hard limit
]


def test_limits_clock_and_random_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "limits_clock_random.c")
    outcome = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert outcome.stdout.decode().splitlines() == EXPECTED, outcome
