"""Process handles, queued signals and keys (issue 17): static C programs natively on a tmpfs and on the machine.

data/pidfd.c: pidfd_open, poll readiness at exit, waitid(P_PIDFD), pidfd_send_signal (through a pidfd and
/proc/self), pidfd_getfd, clone3(CLONE_PIDFD) and kcmp. data/sigqueue.c: rt_sigqueueinfo's permission rule,
rt_tgsigqueueinfo, real-time signals queued within RLIMIT_SIGPENDING,
sigtimedwait's timeout and EINTR, signalfd, wait4 when an ignored SIGCHLD reaps the
children, setpgid and setsid. data/keys.c: add_key, request_key and keyctl in a session keyring of the
program's own. Each must print, byte for byte, what it prints natively.
"""

from __future__ import annotations

import re
from pathlib import Path

from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import assert_as_on_a_tmpfs, machine_root, trace_on_machine

PIDFD_FACTS = (
    "waitid P_PIDFD before exit (nonblock): -1 EAGAIN",
    "kcmp the stolen file: 0",
    "poll until exit: 1",
    "si_code CLD_EXITED: 1, si_status 7, si_pid is the child: 1",
    "PIDFD_GET_INFO reaped, no EXIT: -1 ESRCH",
    "mask EXIT 1, PID 0, exit status 7, pid 0",
    "send to a reaped process: -1 ESRCH",
    "handler saw value 777",
    "send another signal than the siginfo's: -1 EINVAL",
    "clone3 with a read-only pidfd pointer: -1 EFAULT",
    "done",
)
SIGQUEUE_FACTS = (
    "sigtimedwait 50 ms: -1 EAGAIN",
    "child: sigqueueinfo SI_USER to its parent: -1 EPERM",
    "si_code SI_QUEUE 1, value 42, pid is ours 1",
    "queued SIGRTMIN value 3",
    "tgkill past it: -1 EAGAIN",
    "si_code SI_USER 1, si_pid 0",
    "sigwaitinfo interrupted: -1 EINTR",
    "ssi_signo SIGUSR1 1, ssi_code SI_QUEUE 1, ssi_int 314",
    "wait4 with SIGCHLD ignored: -1 ECHILD",
    "setpgid of a session leader child: -1 EPERM",
    "done",
)
KEYS_FACTS = (
    "describe: user;0;0;3f010000;u1",
    "payload third",
    "unknown type: -1 ENODEV",
    "read a logon key: -1 EOPNOTSUPP",
    "request_key by upcall: -1 ENOENT",
    "read the negative key: -1 ENOKEY",
    "read without read permission: -1 EACCES",
    "read expired: -1 EKEYEXPIRED",
    "child: its own process keyring: -1 ENOKEY",
    "done",
)


def test_pidfds_and_kcmp_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "pidfd.c"), PIDFD_FACTS)


def test_queued_signals_signalfd_and_process_groups_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "sigqueue.c"), SIGQUEUE_FACTS)


def test_keys_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "keys.c"), KEYS_FACTS)


#: --trace's lines for some of the key calls, as strace prints them.
KEYS_TRACED = (
    'keyctl(KEYCTL_JOIN_SESSION_KEYRING, ".builtin_trusted_keys") = -1 EPERM (Operation not permitted)',
    "keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0) = -1 ENOKEY (Required key not available)",
    'add_key("user", "u2", "", 0, KEY_SPEC_SESSION_KEYRING) = -1 EINVAL (Invalid argument)',
    "keyctl(KEYCTL_SET_REQKEY_KEYRING, 9 /* KEY_REQKEY_DEFL_??? */) = -1 EINVAL (Invalid argument)",
    'request_key("user", "neg", "info", KEY_SPEC_PROCESS_KEYRING) = -1 ENOENT (No such file or directory)',
    "keyctl(KEYCTL_CLEAR, KEY_SPEC_SESSION_KEYRING) = 0",
)


def test_key_calls_are_traced_as_strace_prints_them(tmp_path: Path) -> None:
    program = build_static(tmp_path, "keys.c")
    root = machine_root(tmp_path / "root", program)
    out = tmp_path / "trace.txt"
    proc = trace_on_machine(root, program, out)
    assert proc.returncode == 0, proc.stderr
    lines = {re.sub(r"^\[pid \d+\] ", "", line) for line in out.read_text().splitlines()}
    for line in KEYS_TRACED:
        assert line in lines, line
    serial = r"-?\d+"
    assert any(re.fullmatch(rf"keyctl\(KEYCTL_SETPERM, {serial}, KEY_POS_VIEW\) = 0", x) for x in lines), lines
    assert any(re.fullmatch(rf'keyctl\(KEYCTL_READ, {serial}, "secret", 256\) = 6', x) for x in lines), lines


def test_ns_last_pid_chooses_the_next_pid(tmp_path: Path) -> None:
    """/proc/sys/kernel/ns_last_pid reads the last pid; root's write makes the next one follow it; anyone may
    open it (0666) but only CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN write it. Machine only: natively the
    host's other processes take pids meanwhile."""
    program = build_static(tmp_path, "ns_last_pid.c")
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert machine.status == 0, machine.text()
    assert machine.stdout.decode().splitlines() == [
        "mode 666",
        "it reads the last child's pid: 1",
        "write -1: -1 EINVAL",
        "write 4999: 4",
        "the next child's pid: 5000",
        "as nobody, write 100: -1 EPERM",
    ], machine.text()
