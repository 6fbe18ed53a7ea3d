"""SQLite (Debian's libsqlite3-dev, linked statically) with its default locking: the unix VFS's fcntl locks.

data/sqlite_demo.c creates a database in its working directory, fills it
with 5000 rows in transactions, queries, updates and checks it, and a second
process contends for it: told "database is locked" while the first holds an
exclusive transaction, let in once it commits. Natively it runs in a fresh
directory of /dev/shm (a tmpfs); on the machine in the root's /work. Output
and exit status must be the same.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from busybox import DATA, require
from tmpfs_native import assert_as_on_a_tmpfs

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "n=5000 total=6248750.0 lo=name000 hi=name996",
    "name=name103 c=5 a=1048.5",
    "n=4990 total=6226272.5",
    "integrity_check=ok",
    "child: while the parent writes: database is locked",
    "n=1",
    "child status 0",
    "name=child v=2.0",
    "done",
)


def _build(tmp_path: Path) -> Path:
    """sqlite_demo.c linked statically with Debian's libsqlite3.a (tests/run.sh installs libsqlite3-dev)."""
    gcc = require("gcc", "gcc")
    assert Path("/usr/include/sqlite3.h").exists(), "libsqlite3-dev is not installed (tests/run.sh installs it)"
    program = tmp_path / "sqlite_demo"
    built = subprocess.run([gcc, "-static", "-O1", "-o", str(program), str(DATA / "sqlite_demo.c"), "-lsqlite3",
                            "-lm"], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    return program


def test_sqlite_creates_fills_and_queries_a_database_with_its_locking(tmp_path: Path) -> None:
    program = _build(tmp_path)
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)
