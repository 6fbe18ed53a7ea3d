"""The C programs in examples/, built with gcc -static -nostdlib against the
generated syscall.h and libsyscall.a, run in the machine: exact output and status."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from syscalltbl.machine.image.kbuild import build_user_library
from syscalltbl.machine.image.toolchain import build_c_program
from syscalltbl.machine.kernel.process import ExitStatus
from syscalltbl.machine.machine import Machine

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def example(name: str) -> Path:
    return build_c_program(EXAMPLES / f"{name}.c", build_user_library())


def run(tmp_path: Path, name: str, *args: str, stdin: bytes = b"", root: Path | None = None,
        exe: bytes | None = None) -> tuple[ExitStatus, bytes, bytes]:
    (tmp_path / "in").write_bytes(stdin)
    with open(tmp_path / "in", "rb") as i, open(tmp_path / "out", "wb") as o, open(tmp_path / "err", "wb") as e:
        machine = Machine(stdio=(i.fileno(), o.fileno(), e.fileno()), root=root)
        task = machine.start(example(name), [name, *args], exe=exe)
        status = machine.schedule(task, 20)
    return status, (tmp_path / "out").read_bytes(), (tmp_path / "err").read_bytes()


def test_hello(tmp_path: Path) -> None:
    assert run(tmp_path, "hello") == (ExitStatus(0), b"hello, world\n", b"")
    assert run(tmp_path, "hello", "x")[0] == ExitStatus(7)


def test_cat_files_from_the_root_directory(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "motd").write_text("welcome\n")
    (root / "big").write_bytes(bytes(range(256)) * 40)
    status, out, err = run(tmp_path, "cat", "/etc/motd", "/missing", "big", root=root)
    assert status == ExitStatus(1)
    assert out == b"welcome\n" + bytes(range(256)) * 40
    assert err == b"cat: /missing: No such file or directory\n"


def test_cat_stdin(tmp_path: Path) -> None:
    assert run(tmp_path, "cat", stdin=b"from stdin\n") == (ExitStatus(0), b"from stdin\n", b"")


def test_fork_pipe_wait(tmp_path: Path) -> None:
    assert run(tmp_path, "forkpipe") == (ExitStatus(0), b"THROUGH THE PIPE\nchild exited 3\n", b"")


def test_brk_mmap_mprotect_munmap(tmp_path: Path) -> None:
    assert run(tmp_path, "memory") == (ExitStatus(0), b"heap and mappings ok\n", b"")
    status, out, _ = run(tmp_path, "memory", "write-read-only")
    assert out == b"heap and mappings ok\n"
    assert status.signal == 11 and "exception 14" in status.detail


def test_getpid_loop(tmp_path: Path) -> None:
    assert run(tmp_path, "getpid_loop", "20000")[0] == ExitStatus(0)


def test_filesystem_calls(tmp_path: Path) -> None:
    status, out, _ = run(tmp_path, "fsdemo", exe=b"/bin/fsdemo")
    checks = ["mkdir", "create", "lseek+read", "pread", "rename", "stat", "getdents64", "dup2", "unlink",
              "chdir+getcwd", "/dev/zero", "/dev/null", "/proc/self/fd"]
    assert out == "".join(f"{c}: ok\n" for c in checks).encode() + b"/bin/fsdemo\n"
    assert status == ExitStatus(0)


@pytest.mark.parametrize("name", ["hello", "forkpipe", "memory"])
def test_no_frames_leak(tmp_path: Path, name: str) -> None:
    with open(tmp_path / "out", "wb") as o:
        machine = Machine(stdio=(0, o.fileno(), 2))
        machine.run(example(name), [name])  # the first run also builds kernel page tables
        before = machine.ram.frames_in_use
        machine.run(example(name), [name])
        assert machine.ram.frames_in_use == before


def test_vdso_through_at_sysinfo_ehdr(tmp_path: Path) -> None:
    checks = ["AT_SYSINFO_EHDR", "symbols", "gettimeofday", "clock_gettime", "clock_gettime fallback", "time",
              "getcpu"]
    assert run(tmp_path, "vdso") == (ExitStatus(0), "".join(f"{c}: ok\n" for c in checks).encode(), b"")


def test_vdso_is_cheaper_than_the_system_call(tmp_path: Path) -> None:
    status, out, _ = run(tmp_path, "vdso", "2000")
    costs = dict(line.split(": ") for line in out.decode().splitlines()[2:])
    assert status == ExitStatus(0) and int(costs["vdso ns"]) * 10 < int(costs["syscall ns"])


def test_process_time_ids_io_and_at_calls(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "syscalls").write_bytes(example("syscalls").read_bytes())
    (root / "bin" / "syscalls").chmod(0o755)
    status, out, err = run(tmp_path, "syscalls", root=root)
    checks = ["execve", "vfork", "clone refuses bad flags", "clone", "kill", "nanosleep", "time", "ids", "priority",
              "writev+readv", "fcntl", "pipe2", "ioctl", "*at"]
    assert (status, out, err) == (ExitStatus(0), "".join(f"{c}: ok\n" for c in checks).encode(), b"")
