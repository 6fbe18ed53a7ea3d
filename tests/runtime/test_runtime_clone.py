"""Threads from the raw clone and clone3 calls: the same static program natively and on the machine, byte
for byte, and the same exit status.

data/clone_threads.c covers threads sharing memory and descriptors, cwd and umask (CLONE_FS) or not, gettid vs
getpid vs getppid, TLS from CLONE_SETTLS, each thread's own alternate signal stack and SSE registers,
CLONE_PARENT_SETTID, CLONE_CHILD_SETTID and CLONE_CHILD_CLEARTID's zero, clone3 and its size and argument
checks, the flag combinations Linux refuses, exit vs exit_group (a zombie leader while a thread runs, seen in
/proc), tgkill to one thread and kill() taken by the thread that does not block it, a fatal signal ending
every thread, CLONE_VFORK|CLONE_VM sharing memory with a suspended parent, vfork with a failed execve, wait's
__WCLONE, __WALL and __WNOTHREAD, the exit signal execve resets, CLONE_PARENT, /proc/self/task and
/proc/PID/task/TID, execve from a thread other than the leader (alive, or a zombie), and vfork + execve
leaving the parent's memory whole. Run with `limits`, it makes threads until kernel.threads-max or
RLIMIT_NPROC refuses one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from busybox import require

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clone") / "clone_threads"
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Werror", "-o", str(out), str(DATA / "clone_threads.c")],
                   check=True)
    return out


def test_threads_as_natively(program: Path) -> None:
    native = subprocess.run([str(program)], capture_output=True, timeout=60, check=False)
    emulated = subprocess.run([sys.executable, "-m", "syscalltbl", "run", str(program)], capture_output=True,
                              timeout=180, check=False)
    assert native.returncode == 0, native.stderr
    assert (emulated.stdout.decode(), emulated.returncode) == (native.stdout.decode(), 0), emulated.stderr.decode()
    text = native.stdout.decode()
    for line in ("thread: clone=ok counter=42 same pid=1 own tid=1 tid returned=1 ptid=1 ppid same=1 tls=0x5eed "
                 "ctid cleared=1", "thread's alternate stack: none, the main thread's: set",
                 "xmm15: the thread found the main thread's=1, the main thread kept its own=1",
                 "CLONE_FS: the thread's chdir moved the main thread=1, its umask too=1",
                 "without CLONE_FS: the thread's chdir moved the main thread=0, its umask too=0",
                 "thread's exit_group(7) after leader's exit(3): waited=1 exited 7",
                 "thread's exit(5) after leader's exit(3): waited=1 exited 5",
                 "kill(getpid(), SIGUSR2): ok, taken by the unblocked thread=1, its read: EINTR",
                 "CLONE_VFORK|CLONE_VM: parent saw the child's write at once=1",
                 "/proc/self/task: 3 entries, the main thread's=1, a thread's=1",
                 "exit signal 0, then execve: waitpid without __WCLONE: waited=1 exited 13",
                 "clone CLONE_SETTLS with a kernel address: EPERM",
                 "execve in a thread after the leader's exit: waited=1 exited 12",
                 "SIGKILL to a process of three threads: waited=1 killed by KILL",
                 "the exited thread's child, now the main thread's: waited=1 exited 21",
                 "after execve in a thread: pid kept=1 tid is the pid=1 threads left=1"):
        assert line in text


def test_trace_names_each_thread(program: Path) -> None:
    traced = subprocess.run([sys.executable, "-m", "syscalltbl", "run", "--trace", str(program)],
                            capture_output=True, timeout=180, check=False)
    lines = traced.stderr.decode().splitlines()
    clones = [x for x in lines if "clone(" in x and "flags=CLONE_VM|" in x and "CLONE_THREAD|" in x
              and not x.endswith("EINVAL)")]
    assert clones, lines[:20]
    tid = int(clones[0].rsplit("= ", 1)[1])
    assert tid != 2
    # strace -f's prefix names the thread, not its process: the new thread's own calls and its end.
    assert f"[pid {tid}] gettid() = {tid}" in lines
    assert f"[pid {tid}] getpid() = 2" in lines
    assert f"[pid {tid}] exit(0) = ?" in lines
    assert f"[pid {tid}] +++ exited with 0 +++" in lines
    assert "[pid 2] gettid() = 2" in lines
    # clone3's struct, as strace decodes it.
    assert any(x.startswith("[pid 2] clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|"
                            "CLONE_SYSVSEM|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x")
               and ", exit_signal=0, stack=0x" in x and x.rsplit(", stack_size=0x10000}, 64) = ", 1)[-1].isdigit()
               for x in lines)
    assert "[pid 2] clone3(" in "\n".join(lines) and any(x.endswith(", 63) = -1 EINVAL (Invalid argument)")
                                                         for x in lines)


def test_threads_count_against_the_process_limits(program: Path) -> None:
    # kernel.threads-max (--max-procs 5): the init, the main thread and three more; natively the limit is the host's.
    emulated = subprocess.run([sys.executable, "-m", "syscalltbl", "run", "--max-procs", "5", str(program), "limits"],
                              capture_output=True, timeout=120, check=False)
    native = subprocess.run([str(program), "limits"], capture_output=True, timeout=60, check=False)
    lines = emulated.stdout.decode().splitlines()
    assert (lines[0], emulated.returncode) == ("threads made: 3, then EAGAIN", 0), emulated.stderr.decode()
    # RLIMIT_NPROC counts a user's threads, the caller included: as uid 1000 with a limit of 3, two more.
    nproc = "as uid 1000 with RLIMIT_NPROC 3: threads made: 2, then EAGAIN"
    assert lines[1:] == [nproc] == native.stdout.decode().splitlines()[1:]


def _build(tmp_path: Path, source: str, compiler: str = "gcc") -> Path:
    """data/SOURCE built static with -pthread by `compiler`, into tmp_path."""
    program = tmp_path / Path(source).stem
    subprocess.run([compiler, "-static", "-O2", "-Wall", "-Werror", "-pthread", "-o", str(program),
                    str(DATA / source)], check=True)
    return program


def _native_and_machine(program: Path) -> tuple[subprocess.CompletedProcess[bytes], subprocess.CompletedProcess[bytes]]:
    """`program` run natively, then on the machine (`syscalltbl run`), each captured."""
    native = subprocess.run([str(program)], capture_output=True, timeout=60, check=False)
    emulated = subprocess.run([sys.executable, "-m", "syscalltbl", "run", str(program)], capture_output=True,
                              timeout=120, check=False)
    return native, emulated


def test_glibc_pthread_create_and_kill_as_natively(tmp_path: Path) -> None:
    # data/pthread_nojoin.c: glibc's pthread_create, TLS per thread, pthread_detach and pthread_kill (tgkill).
    program = _build(tmp_path, "pthread_nojoin.c")
    native, emulated = _native_and_machine(program)
    assert native.returncode == 0, native.stderr
    assert (emulated.stdout.decode(), emulated.returncode) == (native.stdout.decode(), 0), emulated.stderr.decode()
    assert "thread 2: tls=25 own tid=1 detach=0\n" in native.stdout.decode()
    assert "thread 1: its handler ran in it=1\n" in native.stdout.decode()


@pytest.mark.parametrize(("compiler", "package"), [("gcc", "gcc"), ("musl-gcc", "musl-tools")])
def test_pthreads_over_futex_as_natively(tmp_path: Path, compiler: str, package: str) -> None:
    # data/pthreads.c: 8 threads summing under a mutex, a condition variable, a barrier with thread-local
    # storage, pthread_cancel, pthread_kill to one thread, joins, and posix_spawn of a missing program;
    # glibc's pthreads and musl's, which make the same calls their own ways.
    program = _build(tmp_path, "pthreads.c", require(compiler, package))
    native, emulated = _native_and_machine(program)
    assert native.returncode == 0, native.stderr
    assert (emulated.stdout.decode(), emulated.returncode) == (native.stdout.decode(), 0), emulated.stderr.decode()
    for line in ("8 threads under a mutex: total=18018000 (want 18018000), joined=36",
                 "producer/consumer over a condition variable: 5050 (want 5050)",
                 "barrier: serial threads=1, thread-local sum=70 main's own=0",
                 "joined a cancelled thread: PTHREAD_CANCELED", "the handler ran in the target thread: 1",
                 "posix_spawn of a missing program: ENOENT"):
        assert line in native.stdout.decode()


def test_cpp_std_thread_as_natively(tmp_path: Path) -> None:
    # data/std_thread.cc: iostream, std::thread, std::mutex and std::condition_variable, linked statically.
    program = _build(tmp_path, "std_thread.cc", require("g++", "g++"))
    native, emulated = _native_and_machine(program)
    assert native.returncode == 0, native.stderr
    assert (emulated.stdout.decode(), emulated.returncode) == (native.stdout.decode(), 0), emulated.stderr.decode()
    assert "4 std::threads under a std::mutex: 10000 (want 10000)\n" in native.stdout.decode()


def test_the_status_of_a_program_exec_d_by_a_thread_is_the_run_s(tmp_path: Path) -> None:
    # data/exec_from_thread.c: a non-leader thread execs while another lives; the new program exits 6.
    # The run's status is the process's, not the SIGKILL of the leader's old task that de_thread replaced.
    program = _build(tmp_path, "exec_from_thread.c")
    native, emulated = _native_and_machine(program)
    assert (native.stdout, native.returncode) == (b"the new program is the leader: yes\n", 6), native.stderr
    assert (emulated.stdout, emulated.returncode) == (native.stdout, 6), emulated.stderr.decode()
    assert emulated.stderr == b""
