"""The LTP harness (conformance/ltp.py) end to end on a few fast tests, and its verdict rules.

The end-to-end test builds LTP from ../shared/ltp into the harness's cache (~/.cache/syscalltbl-ltp, kept
between runs: from scratch, about a minute here) with only the directories the named tests need, runs them natively
and on the machine and reads the JSON back.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import ltp

CHECKOUT = Path(__file__).resolve().parents[2]
HARNESS = CHECKOUT / "conformance" / "ltp.py"
# alarm02 and getpid01: fast tests of the current library; chdir01 is marked .mount_device, so out of scope.
TESTS = ("alarm02", "getpid01", "chdir01")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    assert ltp.tarball().is_file(), "LTP's source archive belongs in ../shared/ltp"
    out = tmp_path_factory.mktemp("ltp") / "result.json"
    proc = subprocess.run([sys.executable, str(HARNESS), "--tests", *TESTS, "--out", str(out), "--timeout", "300"],
                          capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "machine passes" in proc.stdout
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def test_the_device_test_is_out_of_scope_and_never_run(result: dict[str, Any]) -> None:
    chdir01 = result["tests"]["chdir01"]
    assert chdir01["scope"] == ".mount_device"
    assert chdir01["native"] is None and chdir01["machine"] is None


def test_the_fast_tests_pass_natively_and_alarm02_on_the_machine(result: dict[str, Any]) -> None:
    for name in ("alarm02", "getpid01"):
        native = result["tests"][name]["native"]
        assert native["verdict"] == "pass" and native["rc"] == 0 and native["counts"]["TPASS"] > 0, native
    alarm02 = result["tests"]["alarm02"]
    assert alarm02["machine"]["verdict"] == "pass", alarm02
    assert alarm02["machine"]["counts"] == alarm02["native"]["counts"]


def test_a_machine_verdict_agrees_with_its_counts_and_lines(result: dict[str, Any]) -> None:
    run = result["tests"]["getpid01"]["machine"]
    broken = run["counts"]["TFAIL"] + run["counts"]["TBROK"] + run["counts"]["TWARN"]
    assert (run["verdict"] == "pass") == (broken == 0 and run["rc"] == 0), run
    if run["verdict"] != "pass":
        assert run["lines"], run
    measured = sum(1 for t in result["tests"].values() if t["machine"] is not None)
    passes = sum(1 for t in result["tests"].values() if t["machine"] and t["machine"]["verdict"] == "pass")
    assert result["summary"][0].startswith(f"machine passes {passes} of {measured} ")


NATIVE_PASS = ltp.Run("pass", 0, {"TPASS": 2, "TFAIL": 0, "TBROK": 0, "TWARN": 0, "TCONF": 0}, 0.1)
NATIVE_CONF = ltp.Run("pass", 0, {"TPASS": 2, "TFAIL": 0, "TBROK": 0, "TWARN": 0, "TCONF": 1}, 0.1)


@pytest.mark.parametrize(
    ("output", "rc", "timed_out", "native", "verdict"),
    [
        ("t.c:1: TPASS: ok\nt.c:2: TPASS: ok\n", 0, False, None, "pass"),
        ("t.c:1: TCONF: no such thing\n", 32, False, None, "conf"),
        ("t.c:1: TPASS: ok\nt.c:2: TCONF: skipped a case\n", 0, False, None, "pass"),
        ("t.c:1: TPASS: ok\nt.c:2: TFAIL: wrong\n", 1, False, None, "fail"),
        ("t.c:1: TBROK: setup\n", 2, False, NATIVE_PASS, "fail"),
        ("t.c:1: TPASS: ok\nt.c:2: TWARN: cleanup\n", 4, False, NATIVE_PASS, "fail"),
        # a TCONF on the machine where the native run had none is a failure, where it had one it is not
        ("t.c:1: TPASS: ok\nt.c:2: TCONF: skipped a case\n", 0, False, NATIVE_PASS, "fail"),
        ("t.c:1: TPASS: ok\nt.c:2: TCONF: skipped a case\n", 0, False, NATIVE_CONF, "pass"),
        ("t.c:1: TCONF: nothing ran\n", 32, False, NATIVE_CONF, "fail"),
        ("t.c:1: TPASS: ok\nt.c:2: TCONF: skipped\nt.c:3: TCONF: skipped\n", 0, False, NATIVE_CONF, "fail"),
        ("t.c:1: TPASS: ok\n", None, True, NATIVE_PASS, "timeout"),
        ("t.c:1: TPASS: ok\n", None, False, NATIVE_PASS, "crash"),  # the machine gave no exit status
        ("t.c:1: TPASS: ok\n", 139, False, NATIVE_PASS, "crash"),  # the shell saw SIGSEGV
        ("", -9, False, None, "crash"),
    ],
)
def test_classify(output: str, rc: int | None, timed_out: bool, native: ltp.Run | None, verdict: str) -> None:
    run = ltp.classify(output, rc, timed_out, 1.0, native)
    assert run.verdict == verdict
    assert bool(run.lines) == (verdict != "pass")


def test_failures_group_by_their_first_line_without_positions_or_numbers() -> None:
    one = ltp.Run("fail", 2, {}, 1.0, ["getpid01.c:18: TBROK: open(7) failed: ENOENT (2)"])
    other = ltp.Run("fail", 2, {}, 1.0, ["getppid01.c:40: TBROK: open(9) failed: ENOENT (2)"])
    assert ltp.cause(one) == ltp.cause(other) == "fail: TBROK: open(N) failed: ENOENT (N)"
    old = ltp.Run("fail", 2, {}, 1.0, ["fcntl23_64    1  TFAIL  :  fcntl23.c:72: fcntl failed, errno=22"])
    assert ltp.cause(old) == "fail: TFAIL: fcntl failed, errno=N"


def test_an_ending_harness_kills_the_sessions_it_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run under way when the harness ends (Ctrl-C, SIGTERM) is killed with its whole session, and no run
    starts after: a machine left behind would run on."""
    monkeypatch.setattr(ltp, "RUNNING", set())
    monkeypatch.setattr(ltp, "STOPPING", threading.Event())
    script = "sleep 60 & sleep 60; echo never"
    done: list[tuple[str, int | None, bool, float]] = []
    worker = threading.Thread(target=lambda: done.append(ltp.execute(["sh", "-c", script], tmp_path, {}, 120.0)))
    worker.start()
    while not ltp.RUNNING:
        time.sleep(0.01)
    (sid,) = ltp.RUNNING
    ltp.kill_running()
    worker.join(10)
    assert done and "never" not in done[0][0] and done[0][1] == -9 and done[0][3] < 10
    def alive() -> list[str]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if fields[3] == str(sid) and fields[0] != "Z":  # a zombie is dead, waiting for its reaper
                    found.append(stat.parent.name)
        return found

    assert not alive()
    with pytest.raises(SystemExit):
        ltp.execute(["true"], tmp_path, {}, 10.0)
