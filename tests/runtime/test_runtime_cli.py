"""`syscalltbl run`: exit status, signals, --root/--cwd/--env, and --trace lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_runtime_examples import example

from syscalltbl.machine.tools.strings import quote

CLI = [sys.executable, "-m", "syscalltbl", "run"]


def run(*args: str | Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, *map(str, args)], input=stdin, capture_output=True, timeout=60, check=False)


def test_exit_status_and_stdout() -> None:
    proc = run(example("hello"), "extra")
    assert (proc.returncode, proc.stdout, proc.stderr) == (7, b"hello, world\n", b"")


def test_signal_is_128_plus_n_with_one_line(tmp_path: Path) -> None:
    proc = run(example("memory"), "x")
    assert proc.returncode == 128 + 11
    assert proc.stdout == b"heap and mappings ok\n"
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1 and "killed by SIGSEGV" in lines[0]


def test_trace_decodes_from_the_prototypes(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "motd").write_text("hi\n")
    proc = run("--root", tmp_path, "--env-clear", "--trace", example("cat"), "/etc/motd")
    assert (proc.returncode, proc.stdout) == (0, b"hi\n")
    cat = quote(os.fsencode(example("cat")))
    assert proc.stderr.decode().splitlines() == [
        f'execve({cat}, [{cat}, "/etc/motd"], []) = 0',  # strace's first line: the exec it made
        'openat(AT_FDCWD, "/etc/motd", O_RDONLY) = 3',
        'read(3, "hi\\n", 512) = 3',
        'write(1, "hi\\n", 3) = 3',
        'read(3, "", 512) = 0',
        "close(3) = 0",
        "exit_group(0) = ?",
        "+++ exited with 0 +++",
    ]
    failed = run("--trace", example("cat"), "nope")
    assert 'openat(AT_FDCWD, "nope", O_RDONLY) = -1 ENOENT (No such file or directory)\n' in failed.stderr.decode()


def test_trace_follows_forked_children() -> None:
    proc = run("--trace", example("forkpipe"))
    lines = proc.stderr.decode().splitlines()
    assert "[pid 2] fork() = 3" in lines
    assert '[pid 3] read(3, "through the pipe\\n", 64) = 17' in lines
    assert "[pid 3] exit_group(3) = ?" in lines and "[pid 3] +++ exited with 3 +++" in lines
    assert "wait4(-1, 0x" in lines[-3] and lines[-3].endswith("= -1 ECHILD (No child processes)")
    assert lines[-2:] == ["[pid 2] exit_group(0) = ?", "[pid 2] +++ exited with 0 +++"]


def test_cwd_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("in d\n")
    proc = run("--root", tmp_path, "--cwd", "/d", example("cat"), "f")
    assert (proc.returncode, proc.stdout) == (0, b"in d\n")


def test_missing_program_and_bad_cwd(tmp_path: Path) -> None:
    assert run(tmp_path / "nothing").returncode == 127
    (tmp_path / "notelf").write_text("#!/bin/sh\n")
    assert run(tmp_path / "notelf").returncode == 126
    assert run("--cwd", "/nowhere", example("hello")).returncode == 2
    assert run("--env", "novalue", example("hello")).returncode == 2


def test_a_bare_name_is_found_in_the_machines_path(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "cat").write_bytes(Path(example("cat")).read_bytes())
    (bin_dir / "cat").chmod(0o755)
    (bin_dir / "kitty").symlink_to("cat")  # as busybox's applet links are
    (tmp_path / "f").write_text("found\n")
    proc = run("--root", tmp_path, "--env", "PATH=/nowhere:/bin", "--trace", "kitty", "/f")
    assert (proc.returncode, proc.stdout) == (0, b"found\n")
    # The program started is the machine's file: /proc/self/exe names it there.
    proc = run("--root", tmp_path, "--env", "PATH=/bin", "kitty", "/proc/self/exe")
    assert proc.stdout == (bin_dir / "cat").read_bytes()
    missing = run("--root", tmp_path, "--env", "PATH=/bin", "no-such-program-anywhere")
    assert missing.returncode == 127 and b"command not found" in missing.stderr


def test_a_program_outside_root_appears_at_its_own_path(tmp_path: Path) -> None:
    proc = run("--root", tmp_path, example("cat"), "/proc/self/exe")
    assert proc.stdout == Path(example("cat")).read_bytes()


def test_a_trace_file_that_cannot_be_written_is_named() -> None:
    for flag in ("--trace", "--stats", "--ftrace"):
        proc = run(flag, "-o", "/dev/full", example("hello"))
        expected = b"syscalltbl run: error: /dev/full: No space left on device\n"
        assert (proc.returncode, proc.stderr) == (1, expected), flag


@pytest.mark.parametrize(("closing", "args"), [("<&-", ["cat"]), (">&-", ["echo", "hi"])])
def test_a_closed_stdin_or_stdout_is_ebadf_for_the_program_as_natively(closing: str, args: list[str]) -> None:
    # Closed when `run` starts: the program's fd is closed too, not one of run's own descriptors.
    busybox = "/bin/busybox"

    def closed(*argv: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["sh", "-c", f'exec "$@" {closing}', "sh", *argv], capture_output=True, timeout=60,
                              check=False)

    native = closed(busybox, *args)
    emulated = closed(*CLI, busybox, *args)
    assert native.returncode == emulated.returncode == 1
    assert native.stderr == emulated.stderr and b"Bad file descriptor" in native.stderr


def test_show_with_stdout_closed_is_one_line_and_exit_1() -> None:
    proc = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "syscalltbl", "show", "getpid"],
                          capture_output=True, timeout=60, check=False)
    assert (proc.returncode, proc.stderr) == (1, b"syscalltbl show: error: standard output: Bad file descriptor\n")
