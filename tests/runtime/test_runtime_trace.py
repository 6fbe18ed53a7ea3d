"""`syscalltbl run --trace`: decoded flags and structures, pids, -o FILE, no internal calls."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from busybox import build_static
from test_runtime_examples import example

from syscalltbl.machine.tools.strings import quote

CLI = [sys.executable, "-m", "syscalltbl", "run"]


def run(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, timeout=60, check=False)


def test_mmap_flags_and_addresses_are_decoded() -> None:
    proc = run("--trace", example("memory"))
    execve, *lines = proc.stderr.decode().splitlines()
    path = quote(os.fsencode(example("memory")))
    assert execve.startswith(f"execve({path}, [{path}], [") and execve.endswith("]) = 0")  # as strace begins
    assert lines[0] == "brk(NULL) = 0x406000"
    assert lines[2].startswith("mmap(NULL, 20480, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x")
    assert lines[3].startswith("mprotect(0x") and lines[3].endswith(", 4096, PROT_READ) = 0")
    assert lines[5] == "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0) = -1 EBADF (Bad file descriptor)"


def test_structures_are_summarised_and_pids_stay_once_several_ran(tmp_path: Path) -> None:
    out = tmp_path / "trace.txt"
    proc = run("--trace", "-o", out, example("syscalls"))
    assert proc.stderr == b""
    lines = out.read_text().splitlines()
    assert "[pid 2] wait4(3, [{WIFEXITED(s) && WEXITSTATUS(s) == 99}], 0, NULL) = 3" in lines
    assert "[pid 2] wait4(4, [{WIFEXITED(s) && WEXITSTATUS(s) == 6}], WNOHANG, NULL) = 4" in lines
    assert "[pid 2] wait4(6, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}], 0, NULL) = 6" in lines
    assert "[pid 4] nanosleep({tv_sec=0, tv_nsec=20000000}, NULL) = 0" in lines
    # As strace shows clone: named arguments, and only the pointers its flags use (parent_tid as stored).
    assert "[pid 2] clone(child_stack=NULL, flags=CLONE_VM|CLONE_THREAD) = -1 EINVAL (Invalid argument)" in lines
    assert "[pid 2] clone(child_stack=NULL, flags=CLONE_PARENT_SETTID|SIGCHLD, parent_tid=[5]) = 5" in lines
    assert "[pid 2] clock_getres(CLOCK_MONOTONIC, {tv_sec=0, tv_nsec=1}) = 0" in lines
    assert all(x.startswith("[pid ") for x in lines[lines.index("[pid 2] fork() = 3") :])


def test_stat_and_lseek(tmp_path: Path) -> None:
    lines = run("--trace", example("fsdemo")).stderr.decode().splitlines()
    assert 'stat("/tmp/b.txt", {st_mode=S_IFREG|0644, st_size=10, ...}) = 0' in lines
    assert "lseek(3, 2, SEEK_SET) = 2" in lines
    assert any(x.startswith('stat("/tmp/b.txt", 0x') and x.endswith("= -1 ENOENT (No such file or directory)")
               for x in lines)


def test_python_programs_park_without_trace_lines(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text("from syscalltbl import libc\nlibc.getpid()\nlibc.sched_yield()\nlibc.getppid()\n")
    proc = run("--trace", program)
    assert proc.returncode == 0
    # the program's own sched_yield is traced; the backend's parking calls are not
    assert proc.stderr.decode().splitlines() == [
        "getpid() = 1", "sched_yield() = 0", "getppid() = 0", "exit_group(0) = ?", "+++ exited with 0 +++"
    ]


def test_a_python_programs_sys_exit_ends_its_process_as_strace_shows(tmp_path: Path) -> None:
    # As python ends on the host: exit_group with the status, whether or not the program made a call first.
    for calls, before in (("", []), ("libc.getpid()\n", ["getpid() = 1"])):
        program = tmp_path / "prog.py"
        program.write_text(f"import sys\nfrom syscalltbl import libc\n{calls}sys.exit(3)\n")
        proc = run("--trace", program)
        assert proc.returncode == 3
        assert proc.stderr.decode().splitlines() == [*before, "exit_group(3) = ?", "+++ exited with 3 +++"]


def test_output_option_needs_a_tracer(tmp_path: Path) -> None:
    proc = run("-o", tmp_path / "x", example("hello"))
    assert proc.returncode == 2 and b"-o FILE needs --trace, --ftrace or --stats" in proc.stderr


#: `strace ./trace_issue14_calls` (strace 6.1, from `mmap(NULL, 8192` on; addresses as ADDR, the shm id as ID).
STRACE_ISSUE14 = (
    "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = ADDR",
    "madvise(ADDR, 4096, MADV_DONTNEED) = 0",
    "msync(ADDR, 4096, MS_SYNC) = 0",
    "mlock(ADDR, 4096) = 0",
    "munlock(ADDR, 4096) = 0",
    "mlock2(ADDR, 4096, MLOCK_ONFAULT) = 0",
    "mlockall(MCL_CURRENT|MCL_FUTURE) = 0",
    "munlockall() = 0",
    "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = ADDR",
    "mremap(ADDR, 8192, 16384, MREMAP_MAYMOVE) = ADDR",
    "shmget(IPC_PRIVATE, 4096, IPC_CREAT|0600) = ID",
    "shmat(ID, NULL, SHM_RDONLY) = ADDR",
    "shmdt(ADDR) = 0",
    "shmctl(ID, IPC_RMID, NULL) = 0",
    "sched_get_priority_max(SCHED_FIFO) = 99",
    "sched_get_priority_min(SCHED_RR) = 1",
    "epoll_create1(EPOLL_CLOEXEC) = 3",
    "epoll_create(1) = 4",
    "eventfd2(3, EFD_CLOEXEC|EFD_NONBLOCK) = 5",
    "eventfd(0) = 6",
    "epoll_ctl(3, EPOLL_CTL_ADD, 5, {events=EPOLLIN|EPOLLET, data={u32=7, u64=7}}) = 0",
    "epoll_wait(3, [{events=EPOLLIN, data={u32=7, u64=7}}], 4, 0) = 1",
    "epoll_pwait(3, [], 4, 0, NULL, 8) = 0",
    "epoll_pwait2(3, [], 4, {tv_sec=0, tv_nsec=0}, NULL, 8) = 0",
    "timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC) = 7",
    "timerfd_settime(7, TFD_TIMER_ABSTIME, {it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=5, tv_nsec=0}}, "
    "{it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=0, tv_nsec=0}}) = 0",
    "clone3(NULL, 0) = -1 EINVAL (Invalid argument)",
)


def test_issue14_calls_are_decoded_as_strace_does(tmp_path: Path) -> None:
    program = build_static(tmp_path, "trace_issue14_calls.c")
    out = tmp_path / "trace.txt"
    proc = run("--trace", "-o", out, program)
    assert (proc.returncode, proc.stdout) == (0, b"done\n"), proc.stderr
    text = re.sub(r"0x[0-9a-f]{5,}", "ADDR", out.read_text())
    shm = re.search(r"^shmget\(.*\) = (\d+)$", text, re.M)
    assert shm is not None, text
    text = re.sub(rf"\b{shm[1]}\b", "ID", text)
    start = text.index("mmap(NULL, 8192")
    assert tuple(text[start : text.index("\n", text.index("clone3("))].splitlines()) == STRACE_ISSUE14
