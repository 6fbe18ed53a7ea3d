"""store/atomic.py's many-file write under Ctrl-C: every file whole, no temporary file left."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Ctrl-C (a timer's KeyboardInterrupt) while four threads write 48 files of 2 MiB, then the process
# ends as `syscalltbl build` does (os._exit, no wait for threads Python thinks have stopped).
_WRITER = """
import os, signal, sys
from syscalltbl.store import atomic

out = sys.argv[1]
def interrupt(*_):
    raise KeyboardInterrupt
signal.signal(signal.SIGALRM, interrupt)
writes = [(os.path.join(out, f"f{i}"), bytes([i]) * (2 << 20)) for i in range(48)]
signal.setitimer(signal.ITIMER_REAL, 0.002)
try:
    atomic.write_many(writes)
    print("finished")
except KeyboardInterrupt:
    print("interrupted")
sys.stdout.flush()
os._exit(0)
"""


def test_an_interrupted_write_many_leaves_whole_files_and_no_temporary_ones(tmp_path: Path) -> None:
    outcomes = set()
    for attempt in range(3):
        out = tmp_path / str(attempt)
        out.mkdir()
        proc = subprocess.run([sys.executable, "-c", _WRITER, str(out)], capture_output=True, text=True, check=True)
        outcomes.add(proc.stdout.strip())
        for path in out.iterdir():
            assert not path.name.endswith(".tmp"), path.name
            data = path.read_bytes()
            assert data == data[:1] * (2 << 20), path.name
        if proc.stdout.strip() == "finished":
            assert len(list(out.iterdir())) == 48
    assert "interrupted" in outcomes  # the timer came while the threads wrote
