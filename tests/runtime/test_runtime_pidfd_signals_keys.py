"""Process handles, queued signals and keys (issue 17): static C programs natively on a tmpfs and on the machine.

data/pidfd.c: pidfd_open, poll readiness at exit, waitid(P_PIDFD), pidfd_send_signal (through a pidfd and
/proc/self), pidfd_getfd, clone3(CLONE_PIDFD) and kcmp. data/sigqueue.c: rt_sigqueueinfo's permission rule,
rt_tgsigqueueinfo, real-time signals queued within RLIMIT_SIGPENDING,
sigtimedwait's timeout and EINTR, signalfd, wait4 when an ignored SIGCHLD reaps the
children, setpgid and setsid. data/keys.c: add_key, request_key and keyctl in a session keyring of the
program's own. Each must print, byte for byte, what it prints natively.
"""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs

PIDFD_FACTS = (
    "waitid P_PIDFD before exit (nonblock): -1 EAGAIN",
    "kcmp the stolen file: 0",
    "poll until exit: 1",
    "si_code CLD_EXITED: 1, si_status 7, si_pid is the child: 1",
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
