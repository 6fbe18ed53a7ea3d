"""Signals through glibc (and the calls that wait for them): the same static program natively and on the
machine, byte for byte.

data/signals.c covers raise (tgkill), kill, blocking and sigpending, a read
interrupted with and without SA_RESTART, SIGCHLD, pause, abort, SIGPIPE
(default and ignored), sigaltstack, SA_RESETHAND, sigsuspend, a handler's
SSE registers and a context only iretq can return to (rcx, r11 changed by
the handler), a child's SSE registers kept apart from its parent's, and
faults caught by handlers: NULL, a kernel address, a read-only page, a
division by zero, and a handler that repairs the fault and returns.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def native_and_emulated(tmp_path: Path, source: str, *libraries: str) -> tuple[str, str]:
    """Build data/SOURCE with gcc -static, run it natively and with `syscalltbl run`: both stdouts."""
    program = tmp_path / Path(source).stem
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Werror", "-o", str(program), str(DATA / source), *libraries],
                   check=True)
    native = subprocess.run([str(program)], capture_output=True, timeout=60, check=True)
    emulated = subprocess.run([sys.executable, "-m", "syscalltbl", "run", str(program)], capture_output=True,
                              timeout=120, check=True)
    return native.stdout.decode(), emulated.stdout.decode()


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("signals") / "signals"
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Werror", "-o", str(out), str(DATA / "signals.c")], check=True)
    return out


def test_same_output_and_status_as_natively(program: Path) -> None:
    native = subprocess.run([str(program)], capture_output=True, timeout=60, check=False)
    emulated = subprocess.run([sys.executable, "-m", "syscalltbl", "run", str(program)], capture_output=True,
                              timeout=120, check=False)
    assert native.returncode == 3, native.stderr
    assert (emulated.stdout.decode(), emulated.returncode) == (native.stdout.decode(), 3), emulated.stderr.decode()
    # The checks ran, not just the program: each line of the story is there.
    text = native.stdout.decode()
    for line in ("read without SA_RESTART: n=-1 errno=EINTR", "read with SA_RESTART: n=1 errno=0",
                 "SIGCHLD handled 3 times", "abort(): killed by Aborted",
                 "with SIGPIPE ignored: write=-1 errno=EPIPE", "handler on the alternate stack: 1",
                 "rcx=0xdead r11=0xbeef", "xmm7 after a handler clobbered it: 0x1122334455667788",
                 "xmm7 after the child ran: 0xaaaaaaaaaaaaaaaa", "sigsuspend: -1 EINTR got=10",
                 "kernel: Segmentation fault code=1 addr_ok=1", "read-only: Segmentation fault code=2 addr_ok=1",
                 "divide: Floating point exception code=1 addr_ok=1", "repaired: 42 addr_ok=1"):
        assert line in text


def test_trace_shows_signal_calls_decoded(program: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "syscalltbl", "run", "--trace", str(program)], capture_output=True,
                          timeout=120, check=False)
    lines = proc.stderr.decode().splitlines()
    assert any(x.startswith("rt_sigaction(SIGUSR1, {sa_handler=0x") and "sa_flags=SA_SIGINFO|SA_RESTORER" in x
               for x in lines)
    assert any(x.startswith("rt_sigprocmask(SIG_BLOCK, [USR1], ") for x in lines)
    assert any(x.endswith("kill(2, SIGUSR1) = 0") for x in lines)
    assert any("rt_sigreturn() = " in x for x in lines)
    # Deliveries and ends between the calls, as strace prints them (the program is pid 2, the init's child).
    assert "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=2, si_uid=0} ---" in lines
    # The child's times in clock ticks, as the machine accounted them (kernel/cputime.py): 0 or more.
    ticks = r"(0|\d+ /\* \d+\.\d\d s \*/)"
    chld = (r".*--- SIGCHLD \{si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=9, si_uid=0, "
            rf"si_status=SIGABRT, si_utime={ticks}, si_stime={ticks}\}} ---")
    assert any(re.fullmatch(chld, x) for x in lines), lines
    assert "[pid 9] +++ killed by SIGABRT +++" in lines
    assert "[pid 10] --- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER, si_pid=10, si_uid=0} ---" in lines
    assert "[pid 2] --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0xffffffff81000000} ---" in lines
    assert lines[-1] == "[pid 2] +++ exited with 3 +++"


def test_prctl_and_rlimits_as_natively(tmp_path: Path) -> None:
    native, emulated = native_and_emulated(tmp_path, "prctl.c")
    assert emulated == native
    for line in ("name: worker-with-a-l\n", "unknown option: -1 EINVAL\n", "nofile soft: 64\n"):
        assert line in native


def test_delivery_corners_as_natively(tmp_path: Path) -> None:
    """nanosleep's EINTR, a clean FPU in handlers, stacked frames, sigsuspend past an ignored signal,
    a signal before a child first runs, an int $0x80 restart, fault error codes, zombies, exit signals."""
    native, emulated = native_and_emulated(tmp_path, "signal_edges.c", "-lm")
    assert emulated == native
    for line in ("nanosleep: -1 EINTR, most of 5 s left: yes", "  handler 12\n  handler 10",
                 "sigsuspend ended by signal 10", "int $0x80 read, restarted: 5 'hello'",
                 "write to a read-only page: signal 11 code 2 err 6", "int3: signal 5 code 128",
                 "SIGCHLD from a clone with exit signal 0: no", "parent-death signal: y",
                 "nanosleep with a bad rem, interrupted: -1 EFAULT", "ppoll, const zero timeout: 0",
                 "ppoll past an ignored SIGURG: 0", "sigaltstack with SS_AUTODISARM: 0",
                 "stdout after a CLONE_FILES child exited: open"):
        assert line in native


def test_select_pselect_ppoll_as_natively(tmp_path: Path) -> None:
    native, emulated = native_and_emulated(tmp_path, "waiting.c")
    assert emulated == native
    for line in ("select on a closed fd: -1 EBADF", "select on fd 99, past a 64-slot table: 0",
                 "select on fd 99, closed in a 128-slot table: -1 EBADF", "pselect woken by a writer: 1 read=1",
                 "ppoll with SIGUSR1 let through: -1 EINTR got=10", "mask back: SIGUSR1 blocked=1"):
        assert line in native


def test_page_fault_error_codes_as_natively(tmp_path: Path) -> None:
    native, emulated = native_and_emulated(tmp_path, "fault_codes.c")
    assert emulated == native
    assert native.count("err=4") >= 4 and "write untouched read-only    err=6" in native


def test_parent_goes_on_after_children_die_of_faults(tmp_path: Path) -> None:
    # A fault that kills leaves Unicorn's cpu in ring 3 with QEMU's record of
    # it: before the fault gate, the parent then died of a double fault.
    native, emulated = native_and_emulated(tmp_path, "fatal_faults.c")
    assert emulated == native
    for death, signal in (("NULL write", "SEGV"), ("divide by zero", "FPE"), ("ud2", "ILL"), ("int3", "TRAP"),
                          ("kernel read", "SEGV"), ("far call through entry 20", "SEGV"), ("single step", "TRAP")):
        assert f"{death:<26} child killed by {signal};" in native
    assert "single-step traps around a system call: 1" in native
    assert "far call caught: signal 11 code 128\nwent on after the far call" in native
