"""Preemption: processes that never make a system call share the one emulated cpu, compared with native runs.

Each program (tests/runtime/data/preempt_*.c, spin_all.c) is built with
gcc -static and run natively and on the machine; output and exit status
must match. Most of them cannot end at all unless the tick takes the cpu
from a spinning task: a spinner child never stops by itself, so its parent
runs again only if the spinner is preempted. The runs on the machine also
count the preemptions, so a pass cannot come from some other path.
"""

from __future__ import annotations

import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from busybox import build_static
from test_runtime_interrupts import GRACE, PROMPT, signal_and_wait, start

from support import Cli
from syscalltbl.machine.kernel import sched
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.machine import Machine


class Counted:
    """sched.preempt, counting its calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = sched.preempt

        def preempt(machine: Machine, task: Task) -> None:
            self.calls += 1
            real(machine, task)

        monkeypatch.setattr(sched, "preempt", preempt)


def native(program: Path, *args: str) -> tuple[int, str]:
    proc = subprocess.run([str(program), *args], capture_output=True, timeout=60, check=False)
    return proc.returncode, proc.stdout.decode()


def emulated(program: Path, *args: str, timeout: float = 120) -> tuple[int, str]:
    with tempfile.TemporaryFile() as out:
        machine = Machine(stdio=(-1, out.fileno(), 2))
        status = machine.run(program, [str(program), *args], timeout=timeout)
        out.seek(0)
        assert status.signal is None, status.detail
        assert status.code is not None
        return status.code, out.read().decode()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    where = tmp_path_factory.mktemp("preemption")
    names = ("preempt_spinners", "preempt_registers", "preempt_signal", "preempt_sleeper", "preempt_stepping",
             "spin_all", "interruptible")
    return {name: build_static(where, f"{name}.c") for name in names}


def test_a_worker_computes_while_its_sibling_spins_as_natively(built: dict[str, Path],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    preemptions = Counted(monkeypatch)
    expected = native(built["preempt_spinners"])
    assert expected == (0, "worker: 46525312\nworker exited 3\nspinner killed by signal 9\n")
    assert emulated(built["preempt_spinners"]) == expected
    assert preemptions.calls > 0


def test_three_processes_that_never_sleep_share_the_cpu_as_natively(built: dict[str, Path],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # The parent polls with waitpid(WNOHANG) instead of waiting: nobody ever sleeps.
    preemptions = Counted(monkeypatch)
    expected = native(built["preempt_spinners"], "all")
    assert emulated(built["preempt_spinners"], "all") == expected
    assert preemptions.calls > 0


def test_every_register_survives_preemption_as_natively(built: dict[str, Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    preemptions = Counted(monkeypatch)
    expected = native(built["preempt_registers"])
    assert expected == (0, "registers: 3000000 rounds, all equal\nspinner killed by signal 9\n")
    assert emulated(built["preempt_registers"]) == expected
    # Both spun for many slices: the checker was stopped in many of its blocks.
    assert preemptions.calls >= 10


def test_a_signal_to_a_preempted_task_runs_its_handler_on_the_way_back(built: dict[str, Path],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    preemptions = Counted(monkeypatch)
    expected = native(built["preempt_signal"])
    assert expected == (0, "child: signal 10, consistent=1\nparent: child exited 42\n")
    assert emulated(built["preempt_signal"]) == expected
    assert preemptions.calls > 0


def test_a_single_stepping_task_keeps_its_trap_flag_across_preemption(built: dict[str, Path],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The far call into the timer's gate takes a #DB that clears TF: it must go back into pt_regs.
    preemptions = Counted(monkeypatch)
    expected = native(built["preempt_stepping"])
    assert expected == (0, "left 0, 6003 traps\n")
    assert emulated(built["preempt_stepping"]) == expected
    assert preemptions.calls > 0


def test_a_sleeper_wakes_on_time_while_another_task_spins(built: dict[str, Path]) -> None:
    expected = native(built["preempt_sleeper"])
    assert expected == (0, "child exited 5 after its 100 ms\n")
    assert emulated(built["preempt_sleeper"]) == expected


def test_spinners_still_end_at_the_run_timeout(built: dict[str, Path]) -> None:
    machine = Machine()
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        machine.run(built["spin_all"], ["spin_all"], timeout=1.0)
    assert time.monotonic() - began < 1.0 + PROMPT


def test_a_lone_task_is_ticked_only_when_its_time_is_up(built: dict[str, Path]) -> None:
    lone = Machine()
    with pytest.raises(TimeoutError):
        lone.run(built["interruptible"], ["interruptible"], timeout=0.5)  # spins until a signal comes
    assert lone.tick.ticks == 1  # the run's timeout
    three = Machine()
    with pytest.raises(TimeoutError):
        three.run(built["spin_all"], ["spin_all"], timeout=2.0)
    assert three.tick.ticks > 10  # slices of 50 ms of cpu


def test_ctrl_c_stops_processes_that_all_spin_as_natively(cli: Cli, built: dict[str, Path]) -> None:
    program = built["spin_all"]
    native_status = signal_and_wait(start([str(program)]), signal.SIGINT)[0]
    status, out, err, took = signal_and_wait(start([cli.executable, "run", str(program)], cli.env), signal.SIGINT)
    assert native_status == -signal.SIGINT and status == 130
    assert (out, err) == (b"", f"syscalltbl run: {program}: killed by SIGINT\n".encode())
    assert took < PROMPT


def test_processes_that_all_spin_and_ignore_ctrl_c_are_stopped_after_the_grace_period(
    cli: Cli, built: dict[str, Path]
) -> None:
    proc = start([cli.executable, "run", str(built["spin_all"]), "ignore"], cli.env)
    status, _, err, took = signal_and_wait(proc, signal.SIGINT)
    assert status == 130
    assert err == f"syscalltbl run: error: {built['spin_all']}: stopped by SIGINT\n".encode()
    assert GRACE <= took < GRACE + PROMPT
