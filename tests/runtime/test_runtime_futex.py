"""futex and futex_waitv called directly by a static C program, natively and on the machine, byte for byte.

data/futex.c covers what a process (and a forked child signalling it) can
observe: WAIT's EAGAIN, relative and absolute timeouts on both clocks,
EINTR and the SA_RESTART rules (restart when untimed, EINTR when timed,
LOCK_PI restarted even without SA_RESTART),
WAKE without waiters, REQUEUE and CMP_REQUEUE, every WAKE_OP operation and
comparison with its store, the PI protocol on the word (tid, EDEADLK, EPERM,
ESRCH for a dead owner, FUTEX_WAITERS, FUTEX_OWNER_DIED, private PI futexes
owned in another process), futex_waitv, the futex2 calls (futex_wake,
futex_wait, futex_requeue), and the errors for bad commands, flags,
alignment and addresses, in Linux's order.

Waking another task needs a second thread or shared memory:
data/futex_pthread_sync.c runs glibc's mutexes, condition variables, barriers,
PI and robust mutexes between threads; data/futex_process_shared.c runs
process-shared normal, PI and robust mutexes across fork on MAP_SHARED
anonymous and file memory; data/futex_ops_between_threads.c drives the raw
operations (WAKE order, bitsets, REQUEUE, WAKE_OP, the PI hand-off,
CMP_REQUEUE_PI, futex_waitv's index) between threads.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
CLI = [sys.executable, "-m", "syscalltbl", "run"]


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("futex") / "futex"
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Werror", "-o", str(out), str(DATA / "futex.c")], check=True)
    return out


def test_same_output_and_status_as_natively(program: Path) -> None:
    native = subprocess.run([str(program)], capture_output=True, timeout=60, check=False)
    emulated = subprocess.run([*CLI, str(program)], capture_output=True, timeout=120, check=False)
    assert native.returncode == 7, native.stderr
    assert (emulated.stdout.decode(), emulated.returncode) == (native.stdout.decode(), 7), emulated.stderr.decode()
    text = native.stdout.decode()
    assert "implausible" not in text
    for line in ("WAIT relative 50 ms                          -1 ETIMEDOUT",
                 "WAIT, handler with SA_RESTART                -1 EAGAIN",
                 "timed WAIT, SA_RESTART: EINTR                -1 EINTR",
                 "LOCK_PI own lock                             -1 EDEADLK",
                 "TRYLOCK_PI, owner reaped                     -1 ESRCH",
                 "WAKE_OP case 0: 0, 0x5 -> 0x8",
                 "futex_waitv timeout                          -1 ETIMEDOUT"):
        assert line in text


#: Threaded and multi-process programs: their source (in data/) and lines their native output must contain.
MULTI_TASK_PROGRAMS = {
    "futex_pthread_sync": ("total 72000", "consumed 200", "pi lock 0", "pi timedlock ETIMEDOUT",
                           "robust lock EOWNERDEAD", "robust pi lock EOWNERDEAD", "woke 1", "wait 0 fw 1"),
    "futex_process_shared": ("anon counters 4500 4500", "anon woke 1 child 3", "anon robust EOWNERDEAD",
                             "file counters 4500 4500", "file woke 1 child 3", "file robust EOWNERDEAD",
                             "file bytes counter 4500"),
    "futex_ops_between_threads": ("wake 2: 2", "wake bitset 0b110: 2", "cmp_requeue 1+2: 3", "wake_op: 2 f2=0",
                                  "wake on a PI futex: -1 Invalid argument", "  thread 2 owned pi: 1 waiters bit 1",
                                  "cmp_requeue_pi: 3", "cmp_requeue_pi free: 2", "futex_waitv woken: 1"),
}


@pytest.mark.parametrize("name", sorted(MULTI_TASK_PROGRAMS))
def test_threads_and_processes_waking_each_other_as_natively(name: str, tmp_path: Path) -> None:
    binary = tmp_path / name
    source = DATA / f"{name}.c"
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Werror", "-pthread", "-o", str(binary), str(source)],
                   check=True)
    native = subprocess.run([str(binary)], capture_output=True, timeout=60, check=False)
    emulated = subprocess.run([*CLI, str(binary)], capture_output=True, timeout=300, check=False)
    assert native.returncode == 0, native.stderr
    assert (emulated.stdout.decode(), emulated.returncode) == (native.stdout.decode(), 0), emulated.stderr.decode()
    for line in MULTI_TASK_PROGRAMS[name]:
        assert line in native.stdout.decode().splitlines()


#: Lines of `strace ./futex` (strace 6.1, addresses as ADDR): the machine's --trace must print them alike.
STRACE_LINES = (
    "futex(ADDR, FUTEX_WAIT_PRIVATE, 1, NULL) = -1 EAGAIN (Resource temporarily unavailable)",
    "futex(ADDR, FUTEX_WAIT_PRIVATE, 0, {tv_sec=0, tv_nsec=50000000}) = -1 ETIMEDOUT (Connection timed out)",
    "futex(ADDR, FUTEX_WAKE_BITSET_PRIVATE, 1, 0x3) = 0",
    "futex(ADDR, 0x63 /* FUTEX_??? */, 0, NULL, NULL, 0) = -1 ENOSYS (Function not implemented)",
    "futex(ADDR, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, ADDR, 2) = -1 EAGAIN (Resource temporarily unavailable)",
    "futex(ADDR, FUTEX_WAKE_OP_PRIVATE, 1, 1, ADDR, FUTEX_OP_ADD<<28|0x3<<12|FUTEX_OP_CMP_GT<<24|0x4) = 0",
    "futex(ADDR, FUTEX_WAKE_OP_PRIVATE, 1, 1, ADDR, "
    "FUTEX_OP_OPARG_SHIFT<<28|FUTEX_OP_SET<<28|0x4<<12|FUTEX_OP_CMP_EQ<<24|0x1) = 0",
    "futex(ADDR, FUTEX_WAKE_OP, 1, 1, ADDR, 0x6<<28 /* FUTEX_OP_??? */|0x1<<12|FUTEX_OP_CMP_EQ<<24|0) "
    "= -1 ENOSYS (Function not implemented)",
    "futex(ADDR, FUTEX_WAKE_OP, 1, 1, ADDR, FUTEX_OP_ADD<<28|0x1<<12|0x9<<24 /* FUTEX_OP_CMP_??? */|0) "
    "= -1 ENOSYS (Function not implemented)",
    "futex(ADDR, FUTEX_TRYLOCK_PI_PRIVATE) = 0",
    "futex(ADDR, FUTEX_LOCK_PI_PRIVATE, NULL) = -1 EDEADLK (Resource deadlock avoided)",
    "futex(ADDR, FUTEX_UNLOCK_PI_PRIVATE) = 0",
    "futex(ADDR, FUTEX_WAIT_BITSET_PRIVATE, 0, {tv_sec=1, tv_nsec=0}, 0x1) = -1 ETIMEDOUT (Connection timed out)",
    "futex(ADDR, FUTEX_WAIT_BITSET_PRIVATE, 0, {tv_sec=1, tv_nsec=0}, 0) = -1 EINVAL (Invalid argument)",
    "futex_waitv(NULL, 1, 0, NULL, CLOCK_REALTIME) = -1 EINVAL (Invalid argument)",
    "futex_waitv([{val=0, uaddr=ADDR, flags=FUTEX_32|FUTEX_PRIVATE_FLAG}, {val=0, uaddr=ADDR, flags=FUTEX_32}], "
    "2, 0x1, NULL, CLOCK_REALTIME) = -1 EINVAL (Invalid argument)",
    "get_robust_list(0, [ADDR], [24]) = 0",
    "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=ADDR) = 3",
)


def test_trace_decodes_futex_and_clone_as_strace_does(program: Path, tmp_path: Path) -> None:
    out = tmp_path / "trace.txt"
    proc = subprocess.run([*CLI, "--trace", "-o", str(out), str(program)], capture_output=True, timeout=120,
                          check=False)
    assert proc.returncode == 7, proc.stderr.decode()
    lines = {re.sub(r"0x[0-9a-f]{5,}", "ADDR", re.sub(r"^\[pid \d+\] ", "", x)) for x in out.read_text().splitlines()}
    for line in STRACE_LINES:
        assert line in lines
