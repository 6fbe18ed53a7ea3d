"""seccomp (issue 17): strict mode, classic-BPF filters and their actions, as on Linux.

One static C program asks which actions exist, installs filters Linux
refuses (no return, loads past or across struct seccomp_data's words,
jumps out, byte loads, unset scratch words, no instructions), then in
children: strict mode (write runs, getpid kills with SIGKILL), a filter
answering ERRNO, TRAP (SIGSYS's si_code, si_errno, si_syscall, si_arch),
TRACE and USER_NOTIF with nobody to answer (ENOSYS), KILL_PROCESS, and
ERRNO for every i386 call (int $0x80); a second filter stacked on it, a
grandchild inheriting both, /proc/self/status's Seccomp lines, and TSYNC
handing a filter to a thread. Natively it runs in a fresh directory of
/dev/shm; on the machine in the root's /work. Outputs and exit statuses must
be the same, and the native run must print the FACTS.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from busybox import DATA, require
from tmpfs_native import assert_as_on_a_tmpfs

FACTS = (
    "then strict mode: -1 EINVAL",
    "unaligned load: -1 EINVAL",
    "unset scratch: -1 EINVAL",
    "strict: write allowed",
    "strict child: killed by KILL",
    "Seccomp:\t2",
    "getppid: -1 EPERM",
    "getpgid (trace, no tracer): -1 ENOSYS",
    "uname trapped: returned 63, si_code 1 si_errno 77 si_syscall 63 si_arch 0xc000003e addr set 1",
    "grandchild getppid: -1 EPERM",
    "getppid now: -1 EACCES",
    "int 0x80 getpid: -38",
    "filtered child: killed by SYS",
    "thread getppid errno: ENOKEY",
    "done",
)


def test_seccomp_as_on_linux(tmp_path: Path) -> None:
    gcc = require("gcc", "gcc")
    program = tmp_path / "seccomp"
    built = subprocess.run([gcc, "-static", "-O1", "-pthread", "-o", str(program), str(DATA / "seccomp.c")],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
