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

import subprocess
import tempfile
from pathlib import Path

import pytest
from busybox import ENV, build_static
from native_vs_machine import run_machine

SHM = Path("/dev/shm")
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
    "  AT_SECURE 1",
    "  version written back 0x20080522",
    "capset raising the permitted set: -1 EPERM",
    "root access noexec X_OK: -1 EACCES",
    "done",
)


def _require_tmpfs(path: Path) -> None:
    """The native side means something only on a tmpfs: fail, never skip, without one."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[4] == str(path) and fields[fields.index("-") + 1] == "tmpfs":
            return
    pytest.fail(f"{path} is not a tmpfs here: the native run needs one")


def _root(where: Path, program: Path) -> Path:
    """A root with the program in bin/, an empty work/, and dev/ and proc/ as Linux has them."""
    for name in ("bin", "work", "dev", "proc"):
        (where / name).mkdir(parents=True)
    (where / "proc").chmod(0o555)
    (where / "bin" / program.name).write_bytes(program.read_bytes())
    (where / "bin" / program.name).chmod(0o755)
    return where


def test_credentials_and_permissions_as_on_linux(tmp_path: Path) -> None:
    _require_tmpfs(SHM)
    program = build_static(tmp_path, "credentials.c")
    with tempfile.TemporaryDirectory(dir=SHM) as here:
        native = subprocess.run([str(program)], cwd=here, env=ENV, capture_output=True, timeout=120, check=False)
    text = native.stdout.decode()
    assert native.returncode == 0, f"natively:\n{text}{native.stderr.decode()}"
    for fact in FACTS:
        assert fact in text.splitlines(), f"natively, {fact!r} is missing:\n{text}"
    machine = run_machine(_root(tmp_path / "root", program), program, ()).outcome
    assert (machine.stdout.decode(), machine.status) == (text, 0), machine.text()[-4000:]
