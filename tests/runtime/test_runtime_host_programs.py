"""The host's own dynamically linked programs, from the default root (the host's `/`, copy-on-write).

Each command runs twice on the same files: natively, and through `syscalltbl
run` with no --root, so the machine loads /lib64/ld-linux-x86-64.so.2, the
program's libraries and its data files from the host through the overlay.
Both runs get the same small environment; their output and exit status must
be the same. What a program writes goes to the machine's /tmp only: a native
run that writes is given a directory of its own under the test's tmp_path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "syscalltbl", "run"]
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "HOME": "/root", "TZ": "UTC"}
#: Generous: python3 runs a few hundred million emulated instructions to start.
TIMEOUT = 300


def native(argv: list[str], stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, input=stdin, capture_output=True, env=ENV, cwd=cwd, timeout=TIMEOUT, check=False)


def machine(argv: list[str], stdin: bytes = b"", cwd: str = "/") -> subprocess.CompletedProcess[bytes]:
    options = ["--env-clear", "--cwd", cwd]
    for key, value in ENV.items():
        options += ["--env", f"{key}={value}"]
    return subprocess.run([*CLI, *options, *argv], input=stdin, capture_output=True, timeout=TIMEOUT, check=False)


def assert_same(argv: list[str], stdin: bytes = b"", *, expect: bytes = b"", cwd: Path | None = None) -> bytes:
    """ARGV natively and on the machine: the same stdout, stderr and status; the native run succeeds."""
    here = native(argv, stdin, cwd)
    there = machine(argv, stdin, str(cwd) if cwd is not None else "/")
    assert here.returncode == 0, f"natively: {here.stderr.decode(errors='replace')}"
    assert expect in here.stdout, f"natively, {expect!r} is missing:\n{here.stdout.decode(errors='replace')}"
    assert (there.stdout, there.stderr.decode(errors="replace"), there.returncode) == (
        here.stdout, here.stderr.decode(errors="replace"), here.returncode)
    return here.stdout


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory whose `ls -l` cannot change during the test: files, a link, a directory, fixed times."""
    where = tmp_path_factory.mktemp("listed")
    (where / "alpha.txt").write_bytes(b"one\ntwo\n")
    (where / "beta").mkdir()
    (where / "gamma.sh").write_bytes(b"#!/bin/sh\necho gamma\n")
    (where / "gamma.sh").chmod(0o755)
    (where / "delta").symlink_to("alpha.txt")
    for item in where.iterdir():
        os.utime(item, (1_600_000_000, 1_600_000_000), follow_symlinks=False)
    return where


def test_ls_long_listing(listed: Path) -> None:
    out = assert_same(["/bin/ls", "-l", "--time-style=long-iso", str(listed)], expect=b"alpha.txt")
    assert b"delta -> alpha.txt" in out and b"2020-09-13" in out


def test_ls_of_a_system_directory() -> None:
    assert_same(["/bin/ls", "-la", "/usr/share/common-licenses"], expect=b"GPL-3")


def test_sort_reads_stdin_and_a_file() -> None:
    words = b"pear\napple\nfig\nbanana\napple\n"
    assert_same(["/usr/bin/sort", "-u"], words, expect=b"apple\nbanana\nfig\npear\n")
    assert_same(["/usr/bin/sort", "-t:", "-k3,3n", "/etc/passwd"], expect=b"root:")


def test_find_in_etc() -> None:
    assert_same(["/usr/bin/find", "/etc", "-maxdepth", "1", "-name", "host*"], expect=b"/etc/hostname")


def assert_same_in_tmp(script: str, expect: bytes) -> None:
    """`sh -c SCRIPT` writing to the machine's /tmp; natively, a fresh directory stands in for it."""
    with tempfile.TemporaryDirectory() as own:
        here = native(["/bin/sh", "-c", script.replace("/tmp/", f"{own}/")])
    there = machine(["/bin/sh", "-c", script])
    assert here.returncode == 0, here.stderr.decode(errors="replace")
    assert expect in here.stdout, here.stdout.decode(errors="replace")
    assert (there.stdout, there.stderr, there.returncode) == (here.stdout, here.stderr, here.returncode)


def test_tar_creates_and_lists_an_archive_in_tmp() -> None:
    name = f"/tmp/syscalltbl-test-{uuid.uuid4().hex}.tar"
    assert_same_in_tmp(f"tar -cf {name} -C /etc hostname passwd group && tar -tvf {name} && tar -tf {name}",
                       expect=b"\npasswd\n")
    assert not Path(name).exists()  # the machine's /tmp is not the host's


def test_gzip_and_zcat_round_trip() -> None:
    name = f"/tmp/syscalltbl-test-{uuid.uuid4().hex}.gz"
    assert_same_in_tmp(f"gzip -9 -c /etc/services > {name} && ls -l {name} | cut -c1-10 && "
                       f"zcat {name} | cmp - /etc/services && gzip -l {name} | tail -1 | tr -s ' ' | cut -d' ' -f2-3",
                       expect=b"-rw-")
    assert not Path(name).exists()


def test_env_prints_the_environment_it_was_given() -> None:
    out = assert_same(["/usr/bin/env"], expect=b"LC_ALL=C")
    assert sorted(out.splitlines()) == sorted(f"{k}={v}".encode() for k, v in ENV.items())
    assert_same(["/usr/bin/env", "-i", "A=1", "/usr/bin/env"], expect=b"A=1\n")


def test_bash_runs_a_pipeline() -> None:
    assert_same(["/bin/bash", "-c", "echo one two three | tr a-z A-Z | wc -w; echo $((6 * 7)) ${BASH_VERSINFO[0]}"],
                expect=b"3\n42 ")


def test_perl_one_liner() -> None:
    assert_same(["/usr/bin/perl", "-e", 'print join(",", map { $_ * $_ } 1..5), " ", scalar(@INC) > 0, "\\n"'],
                expect=b"1,4,9,16,25 1\n")


def test_python3_lists_etc() -> None:
    code = 'import json, os; print(json.dumps(sorted(os.listdir("/etc"))[:3]))'
    assert_same(["/usr/bin/python3", "-c", code], expect=b'["')
