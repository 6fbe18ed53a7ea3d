"""Ctrl-C, SIGTERM and SIGHUP on a running `syscalltbl run` (and fuzz, and script): the signal reaches the guest.

Each test starts the real command, waits until the guest says it is
running, signals the command as a terminal would, and checks the end:
the exit status (compared with a native run of the same program where the
program ends by itself), one line on stderr and no traceback, and how long
the end took after the signal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from busybox import build_static, busybox

from support import Cli

PROMPT = 1.0  # seconds: a guest the signal kills ends within this
GRACE = 1.0  # seconds the machine waits for a guest that survives the first signal


#: The terminal signals, which a shell's background job (a CI runner's, say) inherits ignored.
TERMINAL_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM)


def _default_terminal_signals() -> None:
    for signum in TERMINAL_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)  # as a terminal's foreground job has them


def start(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start `argv` in a session of its own with the terminal signals at their defaults, and wait until it
    prints "ready"."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, start_new_session=True, preexec_fn=_default_terminal_signals)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line == b"ready\n", (line, proc.stderr.read() if proc.stderr else b"")
    return proc


def signal_and_wait(proc: subprocess.Popen[bytes], *signums: int, gap: float = 0.0) -> tuple[int, bytes, bytes, float]:
    """Send the signals to the process group, as a terminal does; (status, stdout, stderr, seconds after the first)."""
    began = time.monotonic()
    for signum in signums:
        os.killpg(proc.pid, signum)
        time.sleep(gap)
    # Not communicate(): it would close stdin at once, and an end of input could beat the signal.
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # a test that fails leaves nothing running
        raise
    took = time.monotonic() - began
    assert proc.stdout is not None and proc.stderr is not None
    return proc.returncode, proc.stdout.read(), proc.stderr.read(), took


def shell_status(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode  # a native process killed by signal N: -N


@pytest.fixture(scope="module")
def interruptible(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_static(tmp_path_factory.mktemp("interruptible"), "interruptible.c")


def test_ctrl_c_ends_a_loop_of_system_calls_as_natively(cli: Cli) -> None:
    argv = [str(busybox()), "sh", "-c", "echo ready; yes > /dev/null"]
    native = signal_and_wait(start(argv), signal.SIGINT)
    status, _, err, took = signal_and_wait(start([cli.executable, "run", *argv], cli.env), signal.SIGINT)
    assert shell_status(native[0]) == status == 130
    assert err == b"syscalltbl run: /bin/busybox: killed by SIGINT\n"
    assert took < PROMPT


def test_ctrl_c_ends_a_loop_without_system_calls_as_natively(cli: Cli, interruptible: Path) -> None:
    native = signal_and_wait(start([str(interruptible)]), signal.SIGINT)
    status, out, err, took = signal_and_wait(start([cli.executable, "run", str(interruptible)], cli.env),
                                             signal.SIGINT)
    assert shell_status(native[0]) == status == 130
    assert (out, err) == (b"", f"syscalltbl run: {interruptible}: killed by SIGINT\n".encode())
    assert took < PROMPT


def test_a_handler_runs_in_a_loop_without_system_calls_which_resumes_exactly(cli: Cli, interruptible: Path) -> None:
    native = signal_and_wait(start([str(interruptible), "handle"]), signal.SIGINT)
    emulated = signal_and_wait(start([cli.executable, "run", str(interruptible), "handle"], cli.env), signal.SIGINT)
    assert native[:3] == emulated[:3] == (7, b"signal 2, consistent=1\n", b"")
    assert emulated[3] < PROMPT


def test_a_guest_that_ignores_ctrl_c_is_stopped_a_second_later(cli: Cli) -> None:
    proc = start([cli.executable, "run", str(busybox()), "sh", "-c", "trap '' INT; echo ready; while :; do :; done"],
                 cli.env)
    status, _, err, took = signal_and_wait(proc, signal.SIGINT)
    assert status == 130
    assert err == b"syscalltbl run: error: /bin/busybox: stopped by SIGINT\n"
    assert GRACE <= took < GRACE + PROMPT


def test_a_second_ctrl_c_stops_the_machine_at_once(cli: Cli) -> None:
    proc = start([cli.executable, "run", str(busybox()), "sh", "-c", "trap '' INT; echo ready; while :; do :; done"],
                 cli.env)
    status, _, err, took = signal_and_wait(proc, signal.SIGINT, signal.SIGINT, gap=0.1)
    assert status == 130 and err == b"syscalltbl run: error: /bin/busybox: stopped by SIGINT\n"
    assert took < GRACE


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_reach_a_sleeping_guest(cli: Cli, signum: int, status: int) -> None:
    proc = start([cli.executable, "run", str(busybox()), "sh", "-c", "echo ready; exec sleep 100"], cli.env)
    got, _, err, took = signal_and_wait(proc, signum)
    assert got == status
    assert err == f"syscalltbl run: /bin/busybox: killed by {signal.Signals(signum).name}\n".encode()
    assert took < PROMPT


def test_ctrl_c_reaches_a_guest_waiting_for_input(cli: Cli) -> None:
    # stdin is a pipe that stays open and empty: the read must sleep, not block the machine in the host's read().
    proc = start([cli.executable, "run", str(busybox()), "sh", "-c", "echo ready; cat"], cli.env)
    time.sleep(0.3)
    status, _, err, took = signal_and_wait(proc, signal.SIGINT)
    assert status == 130 and err == b"syscalltbl run: /bin/busybox: killed by SIGINT\n"
    assert took < PROMPT


def test_ctrl_c_reaches_a_guest_whose_output_pipe_is_full(cli: Cli) -> None:
    # Nobody reads stdout past "ready": `yes` fills the pipe, and its write must sleep, not block the machine.
    proc = start([cli.executable, "run", str(busybox()), "sh", "-c", "echo ready; exec yes"], cli.env)
    time.sleep(1)
    status, _, err, took = signal_and_wait(proc, signal.SIGINT)
    assert status == 130 and err == b"syscalltbl run: /bin/busybox: killed by SIGINT\n"
    assert took < PROMPT


def test_ctrl_c_reaches_a_guest_in_pause_as_natively(cli: Cli, tmp_path: Path) -> None:
    program = build_static(tmp_path, "pause.c")  # nothing but a signal can wake it: not a deadlock here
    native = signal_and_wait(start([str(program)]), signal.SIGINT)
    status, _, err, took = signal_and_wait(start([cli.executable, "run", str(program)], cli.env), signal.SIGINT)
    assert shell_status(native[0]) == status == 130
    assert err == f"syscalltbl run: {program}: killed by SIGINT\n".encode()
    assert took < PROMPT


def test_the_trace_file_is_complete_after_ctrl_c(cli: Cli, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    proc = start([cli.executable, "run", "--trace", "-o", str(trace), str(busybox()), "sh", "-c",
                  "echo ready; while :; do :; done"], cli.env)
    status, _, err, _ = signal_and_wait(proc, signal.SIGINT)
    assert status == 130 and b"Traceback" not in err
    lines = trace.read_text().splitlines()
    # The init passes Ctrl-C on to the program's group (kill: SI_USER from pid 1); busybox's sh catches
    # SIGINT and kills itself with it again (tgkill) once the loop is left.
    sent = lines.index("--- SIGINT {si_signo=SIGINT, si_code=SI_USER, si_pid=1, si_uid=0} ---")
    assert "+++ killed by SIGINT +++" in lines[sent:]


@pytest.mark.parametrize("mode", ["calls", "pure"])
def test_ctrl_c_is_a_python_programs_keyboardinterrupt(cli: Cli, tmp_path: Path, mode: str) -> None:
    program = tmp_path / "busy.py"
    program.write_text(
        "import sys\nfrom syscalltbl import libc\n"
        "try:\n    print('ready', flush=True)\n"
        "    while True:\n        libc.getpid() if sys.argv[1] == 'calls' else None\n"
        "except KeyboardInterrupt:\n    print('caught', flush=True)\n    sys.exit(5)\n"
    )
    status, out, err, took = signal_and_wait(start([cli.executable, "run", str(program), mode], cli.env),
                                             signal.SIGINT)
    assert (status, out, err) == (5, b"caught\n", b"")
    assert took < PROMPT


def test_ctrl_c_stops_the_fuzzer(cli: Cli) -> None:
    proc = subprocess.Popen([cli.executable, "fuzz", "--seed", "1", "--count", "100000000"], env=cli.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(3)  # booted and fuzzing
    status, out, err, took = signal_and_wait(proc, signal.SIGINT)
    assert (status, out, err) == (130, b"", b"syscalltbl fuzz: error: stopped by SIGINT (seed 1)\n")
    assert took < PROMPT


def test_ctrl_c_stops_a_script_reading_its_input_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "unistd.h"
    proc = subprocess.Popen([cli.executable, "script", "syscallhdr", "/dev/stdin", str(out)], env=cli.env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    assert proc.stdin is not None
    proc.stdin.write(b"0 common read sys_read\n")
    proc.stdin.flush()  # a partial table; the rest never comes
    time.sleep(1)
    status, _, err, took = signal_and_wait(proc, signal.SIGINT)
    assert (status, err) == (130, b"syscalltbl script: error: interrupted by SIGINT\n")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert took < PROMPT
