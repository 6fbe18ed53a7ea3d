"""futex and futex_waitv called directly by a static C program, natively and on the machine, byte for byte.

data/futex.c covers what a process (and a forked child signalling it) can
observe: WAIT's EAGAIN, relative and absolute timeouts on both clocks,
EINTR and the SA_RESTART rules (restart when untimed, EINTR when timed),
WAKE without waiters, REQUEUE and CMP_REQUEUE, every WAKE_OP operation and
comparison with its store, the PI protocol on the word (tid, EDEADLK, EPERM,
ESRCH for a dead owner, FUTEX_WAITERS, FUTEX_OWNER_DIED, private PI futexes
owned in another process), futex_waitv, and the errors for bad commands,
flags, alignment and addresses, in Linux's order.
"""

from __future__ import annotations

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
