"""A project's own syscall code: a raising body oopses and kills only its caller (the calling thread, its
siblings run on); a file that does not load is an error at its file:line:column before any program starts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from busybox import busybox
from userprog import Programs

from support import Cli
from syscalltbl.machine.image.toolchain import build_elf

BODY = "    raise Errno(ENOSYS)  # until its body is written\n"
#: my_func(a, b) divides in a helper, so the oops has a frame below the body to name.
DIVIDE = "def divide(a: int, b: int) -> int:\n    return a // b\n\n\n"
#: Calls my_func(6, 0) from ring 3; exits with its result if it ever returns.
PROGRAM = """\
	.include "unistd_64.inc"
	.text
	.globl	_start
_start:
	movl	$6, %edi
	xorl	%esi, %esi
	movl	$__NR_my_func, %eax
	syscall
	movl	%eax, %edi
	movl	$__NR_exit_group, %eax
	syscall
"""
PYTHON_PROGRAM = """\
import sys

sys.path.insert(0, "build/runtime/x86_64/python")
import libc

print(libc.my_func(6, 3), flush=True)
print(libc.my_func(6, 0))
"""

DATA = Path(__file__).parent / "data"
DRIVER_READ = '        return b""  # end of file until written\n'
DEVICE_PROGRAM = """\
from syscalltbl import libc

fd = libc.openat(-100, b"/dev/adder", 0, 0)
libc.read(fd, bytearray(4), 4)
"""


def line_of(file: Path, text: str) -> int:
    return file.read_text().splitlines().index(text) + 1


@pytest.fixture(scope="module")
def project(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose my_func divides by its second argument, built, with prog (calls my_func(6, 0)) in root/."""
    base = tmp_path_factory.mktemp("oops")
    assert cli.run("init", "proj", cwd=base).returncode == 0
    proj = base / "proj"
    assert cli.run("add-syscall", "my_func", "--params", "int a, int b", cwd=proj).returncode == 0
    impl = proj / "syscalls" / "my_func.py"
    text = impl.read_text().replace("\n\n@implements", "\n\n" + DIVIDE + "@implements")
    impl.write_text(text.replace(BODY, "    return divide(a, b)\n"))
    assert cli.run("add-device", "adder", cwd=proj).returncode == 0
    driver = proj / "devices" / "adder.py"
    driver.write_text(driver.read_text().replace(DRIVER_READ, "        return bytes(count // 0)\n"))
    built = cli.run("build", "--group", "runtime", cwd=proj)
    assert built.returncode == 0, built.stderr
    unistd = (proj / "build/runtime/x86_64/user/unistd_64.inc").read_text()
    root = proj / "root"
    (root / "bin").mkdir(parents=True)
    shutil.copy(busybox(), root / "bin" / "busybox")
    shutil.copy(build_elf({"prog.S": PROGRAM, "unistd_64.inc": unistd}, linker_script=None, name="prog"), root / "prog")
    number = re.search(r"^\t\.set\t__NR_my_func, (\d+)$", unistd, re.M)
    assert number is not None, unistd
    threaded = subprocess.run(["gcc", "-static", "-O1", "-pthread", f"-DNR_MY_FUNC={number[1]}", "-o",
                               str(root / "oops_in_thread"), str(DATA / "oops_in_thread.c")],
                              capture_output=True, text=True, check=False)
    assert threaded.returncode == 0, threaded.stderr
    (proj / "prog.py").write_text(PYTHON_PROGRAM)
    (proj / "dev.py").write_text(DEVICE_PROGRAM)
    return proj


def oops_report(impl: Path, count: int, pid: int, comm: str) -> list[str]:
    return [
        "BUG: ZeroDivisionError in system call my_func: integer division or modulo by zero",
        f"Oops: [#{count}] PID: {pid} Comm: {comm}",
        f"RIP: divide at {impl}:{line_of(impl, '    return a // b')}",
        "Code: return a // b",
        "Call Trace:",
        f" sys_my_func at {impl}:{line_of(impl, '    return divide(a, b)')}",
        "---[ end trace ]---",
    ]


def test_a_raising_body_kills_its_caller_with_sigsegv_and_the_shell_runs_on(cli: Cli, project: Path) -> None:
    impl = project / "syscalls" / "my_func.py"
    # Twice (the second oops is #2, on a machine that survived the first), then a process forked and run afresh.
    script = '/prog; echo "still here $?"; /prog; echo "again $?"; busybox echo "and a new process"'
    ran = cli.run("run", "--root", "root", "busybox", "sh", "-c", script, cwd=project)
    assert (ran.returncode, ran.stdout.decode()) == (0, "still here 139\nagain 139\nand a new process\n")
    # Each oops names the user's lines only, then busybox's own line for a child killed by SIGSEGV.
    report = [*oops_report(impl, 1, 3, "prog"), "Segmentation fault", *oops_report(impl, 2, 4, "prog")]  # sh is pid 2
    assert ran.stderr.decode().splitlines() == [*report, "Segmentation fault"]


def test_the_oopsing_program_exits_139_and_its_trace_ends_as_straces(cli: Cli, project: Path) -> None:
    ran = cli.run("run", "--trace", "root/prog", cwd=project)
    assert ran.returncode == 128 + 11
    execve, *lines = ran.stderr.decode().splitlines()
    assert execve.startswith('execve("root/prog", ["root/prog"], [')  # as strace begins
    assert lines[0] == "my_func(6, 0) = ?"  # never returned, as strace shows a call its task died in
    assert lines[1:] == [
        *oops_report(project / "syscalls" / "my_func.py", 1, 2, "prog"),  # the init's child
        "+++ killed by SIGSEGV +++",
        "syscalltbl run: root/prog: killed by SIGSEGV (oops in system call my_func)",
    ]


def test_an_oops_in_one_thread_ends_that_thread_alone(cli: Cli, project: Path) -> None:
    ran = cli.run("run", "root/oops_in_thread", cwd=project)
    # The main thread (tid 2) runs on after its thread (tid 3) died in the call, and its exit(3) is the status.
    assert (ran.returncode, ran.stdout.decode()) == (
        3, "my_func(6, 3) = 2\njoined the oopsed thread: 0\na new thread runs\nthe main thread goes on\n")
    assert ran.stderr.decode().splitlines() == oops_report(project / "syscalls" / "my_func.py", 1, 3, "oops_in_thread")


def test_a_python_programs_call_oopses_the_same_way(cli: Cli, project: Path) -> None:
    ran = cli.run("run", "prog.py", cwd=project)
    assert (ran.returncode, ran.stdout.decode()) == (139, "2\n")
    assert ran.stderr.decode().splitlines() == [
        *oops_report(project / "syscalls" / "my_func.py", 1, 1, "python"),
        "syscalltbl run: prog.py: killed by SIGSEGV (oops in system call my_func)",
    ]


def test_a_bug_in_syscalltbls_own_handlers_is_not_taken_for_the_users(tmp_path: Path) -> None:
    def broken_getpid(*_: object) -> int:
        raise ZeroDivisionError("syscalltbl's own")

    programs = Programs(tmp_path)
    with pytest.raises(ZeroDivisionError, match="syscalltbl's own"):
        programs.run("_start:\n\tmovl $__NR_getpid, %eax\n\tsyscall\n\thlt\n", handlers={"sys_getpid": broken_getpid})


def test_a_raising_driver_oopses_its_caller_too(cli: Cli, project: Path) -> None:
    driver = project / "devices" / "adder.py"
    ran = cli.run("run", "dev.py", cwd=project)
    assert ran.returncode == 139
    assert ran.stderr.decode().splitlines() == [
        "BUG: ZeroDivisionError in system call read: integer division or modulo by zero",
        "Oops: [#1] PID: 1 Comm: python",
        f"RIP: read at {driver}:{line_of(driver, '        return bytes(count // 0)')}",
        "Code: return bytes(count // 0)",
        "---[ end trace ]---",
        "syscalltbl run: dev.py: killed by SIGSEGV (oops in system call read)",
    ]


@pytest.mark.parametrize(
    ("directory", "source", "where", "message"),
    [
        ("syscalls", "x = 1\ndef f(:\n    pass\n", "2:7", "syntax error: invalid syntax"),
        ("syscalls", 'NAME = "a\0b"\n', "1:10", "syntax error: source code string cannot contain null bytes"),
        ("syscalls", "import os\n\nVALUE = os.environ['NOT_SET_ANYWHERE']\n", "3:9",
         "loading it raised KeyError: 'NOT_SET_ANYWHERE'"),
        ("syscalls", "def half(n: int) -> float:\n    return n / 0\n\n\nHALF = half(4)\n", "2:12",
         "loading it raised ZeroDivisionError: division by zero"),
        ("syscalls", "import no_such_module_anywhere\n", "1:1",
         "loading it raised ModuleNotFoundError: No module named 'no_such_module_anywhere'"),
        ("devices", "class Broken(\n", "1:13", "syntax error: '(' was never closed"),
    ],
)  # fmt: skip
def test_a_file_that_does_not_load_stops_every_program_before_it_starts(
    cli: Cli, tmp_path: Path, directory: str, source: str, where: str, message: str
) -> None:
    assert cli.run("init", "proj", cwd=tmp_path).returncode == 0
    proj = tmp_path / "proj"
    bad = proj / directory / "bad.py"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text(source)
    (proj / "hello.py").write_text("print('started')\n")
    ran = cli.run("run", "hello.py", cwd=proj)
    assert (ran.returncode, ran.stdout, ran.stderr.decode()) == (1, b"", f"{bad}:{where}: error: {message}\n")
