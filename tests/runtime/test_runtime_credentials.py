"""Credentials and permission checks (issue 16, point 1): the set*id family, supplementary groups,
capget/capset, access/faccessat2, set-user-ID exec, and the file permission checks a non-root identity
meets.

One static C program, as root, makes files and directories of several modes
in its working directory, then changes its ids step by step and prints what
each identity may do. Natively it runs in a fresh directory of /dev/shm (a
tmpfs, as the machine's filesystem is tmpfs-like); on the machine in the
root's /work. Its output and exit status must be the same, and the native
run must print the FACTS below, so that a broken native run cannot pass.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import test_runtime_limits as limits
from busybox import build_static
from tmpfs_native import assert_as_on_a_tmpfs, machine_root, trace_on_machine

from support import Cli
from syscalltbl.machine.kernel.limits import Limits

NOBODY = 65534
#: What the program must print natively: the issue's done-when, and the rules most easily got wrong.
FACTS = (
    "after: getgroups(0) 4, list 1 1 3 5",
    "  Groups:\t1 1 3 5 ",
    "nobody, saved 0: uid 65534 65534 0 fsuid 65534 gid 65534 65534 65534 fsgid 65534",
    "  open secret: -1 EACCES",
    "  access ro W_OK: -1 EACCES",
    "  open secret as fsuid nobody: -1 EACCES",
    "setuid 0 (back to the saved one): 0",
    "  access secret R_OK (real ids): -1 EACCES",
    "  faccessat2 secret R_OK AT_EACCESS: 0",
    "setuid 0: -1 EPERM",
    "setfsuid 0 again: 65534",
    "  unlink sticky/roots: -1 EPERM",
    "  kill root child 0: -1 EPERM",
    "  exec'd: uid 65534 1000 1000 fsuid 1000 gid 65534 1001 1001 fsgid 1001",
    "  host: stat hostdir/f (hostdir 0700): -1 EACCES",
    "  host: open hostmine O_RDWR (nobody's 0600): 0",
    "  AT_SECURE 1",
    "  version written back 0x20080522",
    "capset raising the permitted set: -1 EPERM",
    "keepcaps: caps: effective 0 permitted 0xef inheritable 0",
    "bset: PR_CAPBSET_READ CAP_KILL: 0",
    "root access noexec X_OK: -1 EACCES",
    "done",
)

#: --trace lines of the new calls, as `strace -f` printed them for the program natively (addresses as ADDR).
TRACE_LINES = (
    'access("pub", 0x8 /* ?_OK */) = -1 EINVAL (Invalid argument)',
    'faccessat2(AT_FDCWD, "pub", R_OK, 0x1 /* AT_??? */) = -1 EINVAL (Invalid argument)',
    'faccessat2(AT_FDCWD, "pub", W_OK, AT_SYMLINK_NOFOLLOW|AT_EACCESS) = 0',
    'faccessat2(AT_FDCWD, "", R_OK, AT_EMPTY_PATH) = 0',
    "capget({version=0x12345678 /* _LINUX_CAPABILITY_VERSION_??? */, pid=0}, ADDR) = -1 EINVAL (Invalid argument)",
    "capget({version=0x12345678 /* _LINUX_CAPABILITY_VERSION_??? */, pid=0}, NULL) = 0",
    "capget({version=_LINUX_CAPABILITY_VERSION_3, pid=-5}, ADDR) = -1 EINVAL (Invalid argument)",
    "capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=0, permitted=0, inheritable=0}) = 0",
    "setgroups(4, [5, 1, 3, 1]) = 0",
    "getgroups(16, [1, 1, 3, 5]) = 4",
    "getgroups(0, NULL) = 4",
    "getgroups(2, ADDR) = -1 EINVAL (Invalid argument)",
    "setgroups(65537, ADDR) = -1 EINVAL (Invalid argument)",
    "setgroups(-1, ADDR) = -1 EINVAL (Invalid argument)",
    "setgroups(2, 0x8) = -1 EFAULT (Bad address)",
    "setresuid(65534, 65534, 0) = 0",
    "getresuid([65534], [65534], [0]) = 0",
    "setresuid(-1, 0, -1) = 0",
    "setreuid(-1, 65534) = 0",
    "setfsuid(-1) = 65534",
    "setregid(0, -1) = -1 EPERM (Operation not permitted)",
    'chown("open/mine", -1, 0) = -1 EPERM (Operation not permitted)',
)




def _host_files(work: Path) -> None:
    """What the program finds made for it, by root: on the machine, files of the host root with these
    owners and modes."""
    (work / "hostdir").mkdir()
    (work / "hostdir" / "f").write_bytes(b"")
    (work / "hostdir").chmod(0o700)
    (work / "hostro").write_bytes(b"read only\n")
    (work / "hostro").chmod(0o444)
    (work / "hostmine").write_bytes(b"nobody's\n")
    os.chown(work / "hostmine", NOBODY, NOBODY)
    (work / "hostmine").chmod(0o600)




def test_credentials_and_permissions_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "credentials.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS, _host_files)


def test_the_credential_calls_are_traced_as_strace_prints_them(tmp_path: Path) -> None:
    program = build_static(tmp_path, "credentials.c")
    root = machine_root(tmp_path / "root", program, _host_files)
    out = tmp_path / "trace.txt"
    proc = trace_on_machine(root, program, out, 300)
    assert proc.returncode == 0, proc.stderr
    lines = {re.sub(r"0x7ff[0-9a-f]+", "ADDR", re.sub(r"^\[pid +\d+\] ", "", line))
             for line in out.read_text().splitlines()}
    assert [line for line in TRACE_LINES if line not in lines] == []


def test_group_lists_take_ram_and_end_in_enomem(cli: Cli, tmp_path: Path) -> None:
    """Children each holding NGROUPS_MAX groups fill the machine's RAM, never the host's: the lists are
    charged as the kernel objects they are (uncharged, 85 of them took the host past 290 MiB)."""
    root = machine_root(tmp_path / "root", build_static(tmp_path, "limits_groups.c"))
    result = limits.run(cli, root, "--memory", "32M", "limits_groups")
    assert (result.code, result.stderr) == (0, ""), result
    first, *rest = result.stdout.splitlines()
    assert first in ("fork: Cannot allocate memory", "setgroups: ENOMEM"), result.stdout
    assert rest == ["lists held before: 20 or more", "reaped all"], result.stdout
    assert result.peak_rss < Limits(memory=32 << 20).host_bound, result.peak_rss


#: What the native run of permission_nodes.c must print.
NODE_FACTS = (
    "mknod fifo in a 0755 root directory: -1 Permission denied",
    "mknod 1:3 as nobody: -1 Operation not permitted",
    "O_TMPFILE file: owner 65534:65534 mode 100600",
    "its group 1234",
    "connect to a 0700 root socket: -1 Permission denied",
    "socket name: owner 65534:65534 mode 140755",
)


def test_mknod_bind_and_tmpfile_make_names_as_mkdir_does(tmp_path: Path) -> None:
    program = build_static(tmp_path, "permission_nodes.c")
    assert_as_on_a_tmpfs(tmp_path, program, NODE_FACTS)
