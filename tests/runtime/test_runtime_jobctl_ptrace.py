"""Job control and ptrace: the same static programs natively and on the machine, line by line.

data/jobctl.c stops and continues children (a spinner in user mode, a sleeper in nanosleep, one stopping
itself, one with two threads) and checks what the parent sees: wait4's WUNTRACED and WCONTINUED, waitid's
WSTOPPED, WCONTINUED and WNOWAIT, SIGCHLD's codes, SA_NOCLDSTOP, /proc's T, a fatal signal waiting for
SIGCONT, pending stop and continue signals cancelling each other, and an orphaned process group ignoring the
terminal's stop signals.

data/ptrace_basics.c is a tracer: fork + PTRACE_TRACEME + exec, the syscall stops with GETREGS (a call
skipped, its result set), PEEK/POKE of data and text, signal-delivery-stops suppressed and changed, ATTACH,
DETACH, KILL, single-stepping, TracerPid, the errno of each refusal (debug registers included), and the
fork and exit events (a grandchild followed, its end seen by the tracer before its parent).
"""

from __future__ import annotations

from pathlib import Path

from test_runtime_signals import native_and_emulated


def test_job_control_as_natively(tmp_path: Path) -> None:
    native, emulated = native_and_emulated(tmp_path, "jobctl.c", "-pthread")
    assert emulated == native
    for line in ("spinner after SIGSTOP: stopped by 19", "waitpid returned the child: 1, state T",
                 "SIGCHLD code 5 status 19", "spinner after SIGCONT: continued",
                 "stopped spinner after SIGTERM, then SIGCONT: killed by 15",
                 "stopped pauser after SIGKILL: killed by 9", "sleeper at its end: exited 7",
                 "threads stopped: 2", "threads stopped after SIGCONT: 0",
                 "waitid WCONTINUED|WNOWAIT: code 6 status 18", "self-stopped child at its end: exited 11",
                 "SIGCHLD code seen: 0", "orphaned group after SIGTSTP/SIGTTIN/SIGTTOU: exited 4"):
        assert line in native


def test_ptrace_as_natively(tmp_path: Path) -> None:
    native, emulated = native_and_emulated(tmp_path, "ptrace_basics.c")
    assert emulated == native
    for line in ("after exec: stopped by 5", "getppid exit: returns the tracer: 1", "skipped call's exit: rax 4242",
                 "child: usr1 handled 1 times, marker 102030405060708", "attached to a sleeping child: stopped by 19",
                 "DR0 in the kernel half: -1 Invalid argument", "after PTRACE_KILL: killed by 9",
                 "single steps that stopped with SIGTRAP: 5",
                 "the grandchild's end, seen by its tracer first: exited 6",
                 "child before its exit: stopped by 5 event 6"):
        assert line in native
