"""Ctrl-C on the commands that do not run the machine: 130, one line, and no partial outputs.

(The machine's own commands, run and fuzz, are in tests/runtime/test_runtime_interrupts.py.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from support import Cli


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # as a terminal's foreground job: a CI's background one has it ignored

def files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_ctrl_c_at_any_moment_of_a_build_leaves_whole_outputs_or_none(cli: Cli, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    assert cli.run("build", "-o", reference).returncode == 0
    expected = files(reference)
    interrupted = 0
    for delay in (0.15, 0.25, 0.35, 0.45, 0.55, 0.7):
        work = tmp_path / f"at-{delay}"
        # A cold cache: the build parses, renders and assembles everything, long enough to be cut.
        env = {**cli.env, "XDG_CACHE_HOME": str(work / "cache")}
        proc = subprocess.Popen([cli.executable, "build", "-o", str(work / "out")], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_sigint_default)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 130:
            interrupted += 1
            assert err == b"syscalltbl build: error: interrupted by SIGINT\n"
        elif proc.returncode == -signal.SIGINT:
            # Before the interpreter installed its handler, or after it restored the default
            # at exit: killed as any program is; what was written must still be whole.
            assert err == b""
        else:
            assert (proc.returncode, err) == (0, b""), err  # it had finished
        written = files(work / "out") if (work / "out").exists() else {}
        assert {name: expected.get(name) for name in written} == written, (proc.pid, err)  # every file whole
        assert [p for p in work.rglob("*") if ".tmp" in p.name] == [], (proc.pid, proc.returncode)
    assert interrupted, "no build was still running when its signal came: make the delays shorter"


def test_sigterm_and_sighup_end_a_command_as_ctrl_c_does(cli: Cli, tmp_path: Path) -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        # A table on a pipe that never ends: the command waits for the rest of it.
        reader, writer = os.pipe()
        proc = subprocess.Popen([cli.executable, "script", "syscallhdr", "/dev/stdin", str(tmp_path / "out.h")],
                                env=cli.env, stdin=reader, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                preexec_fn=_sigint_default)
        os.close(reader)
        os.write(writer, b"0 common read sys_read\n")
        time.sleep(1)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
        os.close(writer)
        name = signal.Signals(signum).name
        assert (proc.returncode, err) == (128 + signum, f"syscalltbl script: error: interrupted by {name}\n".encode())
        assert list(tmp_path.iterdir()) == []
