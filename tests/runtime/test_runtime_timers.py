"""Interval timers, POSIX timers, cpu-time accounting and waitid (issue 16): one static C program, natively
and on the machine, the outputs compared.

data/timers.c takes SIGALRM three times from setitimer(ITIMER_REAL), is
interrupted in a blocking pipe read by alarm (EINTR without SA_RESTART, a
restarted read with it), lets ITIMER_VIRTUAL and ITIMER_PROF fire in busy
loops, runs timer_create timers (SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID,
a cpu-time clock, overruns while the signal is blocked), measures its own
and its children's user and system time (getrusage, wait4's rusage, times,
CLOCK_PROCESS_CPUTIME_ID), waits with waitid, and execs itself to see alarm
survive an exec and a timer_create timer not; each call's errors too.
Natively it runs in a fresh directory of /dev/shm (an abort() there leaves a
core file); on the machine in the root's /work.
"""

from __future__ import annotations

import re
from pathlib import Path

from busybox import DATA, build_static
from tmpfs_native import assert_as_on_a_tmpfs, machine_root, trace_on_machine

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "SIGALRM handled 3 times: 1, si_code SI_KERNEL: 1",
    "read from an empty pipe under alarm(1): -1 EINTR",
    "restarted read: 1 0",
    "SIGVTALRM: 1",
    "SIGPROF: 1",
    "ITIMER_VIRTUAL read back past what was set plus a tick: 0 of 2000",
    "alarm(0) after alarm(5): 5 0",
    "child's virtual timer: 0.000000",
    "timer signals 3: 1, SI_TIMER 1, value 42, timerid matches 1",
    "after unblocking: a signal 1, si_overrun > 5: 1, the handler's timer_getoverrun the same: 1",
    "cpu-time timer fired: 1",
    "timer_create monotonic_raw: -1 EOPNOTSUPP",
    "child: timer_gettime of the parent's timer: -1 EINVAL",
    "timer_create until RLIMIT_SIGPENDING: EAGAIN within 1000: 1",
    "user time >= 60ms: 1",
    "wait4's rusage user >= 50ms: 1, status 0x300",
    "times: utime >= 6 ticks 1, cutime >= 5 ticks 1, returns > 0 1",
    "clock_nanosleep thread cputime: EINVAL",
    "waitid P_PIDFD stdin: -1 EBADF",
    "wait4 bad option, no children: -1 EINVAL",
    "  signo 17 code CLD_EXITED 1 pid matches 1 status 7 uid 0",
    "SIGSEGV, core limit 1: status 0x8b WCOREDUMP 1",
    "SA_RESETHAND: default now 1, SA_SIGINFO kept 1, SA_RESETHAND kept 1",
    "after exec: alarm left 4 or 5: 1",
    "after exec: timer_gettime of the timer made before: -1 EINVAL",
    "done",
)




def test_timers_accounting_and_waitid_as_natively(tmp_path: Path) -> None:
    program = build_static(tmp_path, "timers.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)


TRACED = ("setitimer(", "getitimer(", "alarm(", "timer_", "getrusage(", "times(", "waitid(", "wait4(")


def _normalized(trace: str) -> list[str]:
    """The timer calls' lines, with what varies from run to run (addresses, pids, time left) named."""
    lines = []
    for line in trace.splitlines():
        line = re.sub(r"^\[pid +\d+\] ", "", line)
        if not line.startswith(TRACED):
            continue
        line = re.sub(r"0x7ff[0-9a-f]+", "ADDR", line)
        line = re.sub(r"(waitid\(P_PID, )\d+", r"\1PID", line)
        line = re.sub(r"si_pid=\d+", "si_pid=PID", line)
        lines.append(re.sub(r"it_value=\{tv_sec=4, tv_usec=\d+\}", "it_value={tv_sec=4, tv_usec=LEFT}", line))
    return lines


def test_the_timer_calls_are_traced_as_strace_prints_them(tmp_path: Path) -> None:
    """Held to what strace 6.1 printed for the same program natively (data/trace_timers.strace)."""
    program = build_static(tmp_path, "trace_timers.c")
    root = machine_root(tmp_path / "root", program)
    out = tmp_path / "trace.txt"
    proc = trace_on_machine(root, program, out)
    assert proc.returncode == 0, proc.stderr
    assert _normalized(out.read_text()) == (DATA / "trace_timers.strace").read_text().splitlines()
