"""A warm `syscalltbl script` call: answered from the cache, importing none of the CLI, never stale."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from support import Cli, run_with_importtime
from syscalltbl.store import filestamp

TABLE = b"0\tcommon\tread\tsys_read\n1\t64\twrite\tsys_write\n2\tx32\tx\tsys_x\n"

#: what the CLI imports and a warm drop-in call must not: each costs it more than its own work
HEAVY = ("syscalltbl.cli.main", "argparse", "pathlib", "typing", "hashlib", "lark", "jinja2")


def _imports(cli: Cli, *args: str | os.PathLike[str], cwd: Path) -> tuple[subprocess.CompletedProcess[bytes], set[str]]:
    return run_with_importtime(cli, *args, cwd=cwd)


def test_a_warm_call_is_answered_without_the_cli(fresh_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "t.tbl").write_bytes(TABLE)
    args = ("script", "syscalltbl", "--abis", "common,64", "t.tbl", "out.h")
    cold = fresh_cli.run(*args, cwd=tmp_path)
    assert (cold.returncode, cold.stderr) == (0, b"")
    expected = (tmp_path / "out.h").read_bytes()
    (tmp_path / "out.h").unlink()
    warm, modules = _imports(fresh_cli, *args, cwd=tmp_path)
    assert warm.returncode == 0, warm.stderr
    assert (tmp_path / "out.h").read_bytes() == expected
    assert "syscalltbl.cli.script_warm" in modules
    assert not [m for m in HEAVY if m in modules]


def test_a_warm_call_with_touch_unchanged_gives_the_unchanged_output_a_new_time(
    fresh_cli: Cli, tmp_path: Path
) -> None:
    # The README's kernel wrappers pass --touch-unchanged: their calls take the warm path too.
    (tmp_path / "t.tbl").write_bytes(TABLE)
    args = ("script", "--touch-unchanged", "syscalltbl", "--abis", "common,64", "t.tbl", "out.h")
    assert fresh_cli.run(*args, cwd=tmp_path).returncode == 0
    out = tmp_path / "out.h"
    os.utime(out, (1_000_000_000, 1_000_000_000))
    inode = out.stat().st_ino
    warm, modules = _imports(fresh_cli, *args, cwd=tmp_path)
    assert (warm.returncode, warm.stdout) == (0, b""), warm.stderr
    assert "syscalltbl.cli.script_warm" in modules
    assert not [m for m in HEAVY if m in modules]
    assert out.stat().st_mtime > 1_000_000_000
    assert out.stat().st_ino == inode


def test_a_warm_call_reads_the_table_again(fresh_cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "t.tbl"
    table.write_bytes(TABLE)
    args = ("script", "syscallhdr", "--emit-nr", "t.tbl", "out.h")
    assert fresh_cli.run(*args, cwd=tmp_path).returncode == 0
    table.write_bytes(TABLE + b"3\tcommon\tnew_one\tsys_new_one\n")
    assert fresh_cli.run(*args, cwd=tmp_path).returncode == 0
    assert b"__NR_new_one 3" in (tmp_path / "out.h").read_bytes()
    uncached = Cli(fresh_cli.executable, dict(fresh_cli.env, SYSCALLTBL_NO_CACHE="1"))
    (tmp_path / "ref").mkdir()
    assert uncached.run(*args[:3], "../t.tbl", "out.h", cwd=tmp_path / "ref").returncode == 0
    assert (tmp_path / "out.h").read_bytes() == (tmp_path / "ref" / "out.h").read_bytes()


def test_a_warm_call_still_reports_errors_as_the_whole_way_does(fresh_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "t.tbl").write_bytes(TABLE)
    (tmp_path / "out").mkdir()
    args = ("script", "syscalltbl", "t.tbl", "out/t.h")
    assert fresh_cli.run(*args, cwd=tmp_path).returncode == 0
    (tmp_path / "out" / "t.h").unlink()
    (tmp_path / "out").rmdir()
    proc = fresh_cli.run(*args, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == b"syscalltbl script: error: out: output directory does not exist\n"
    (tmp_path / "t.tbl").unlink()
    proc = fresh_cli.run(*args, cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (1, b"syscalltbl script: error: t.tbl: no such file\n")


def test_the_code_fingerprint_follows_every_edit(fresh_cache: Path, tmp_path: Path) -> None:
    files = [tmp_path / "a.py", tmp_path / "b.j2"]
    for file in files:
        file.write_text("x = 1\n")
    paths = [str(f) for f in files]
    first = filestamp.fingerprint(paths)
    assert filestamp.fingerprint(paths) == first  # remembered
    stat = os.stat(files[1])
    files[1].write_text("x = 2\n")  # same size, and the old mtime given back: ctime still moves
    os.utime(files[1], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert filestamp.fingerprint(paths) != first
    files[1].write_text("x = 1\n")
    assert filestamp.fingerprint(paths) == first


def test_a_stamp_is_kept_only_for_files_settled_since_their_last_write(
    fresh_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "a.py"
    file.write_text("x = 1\n")
    stamps = fresh_cache / "syscalltbl" / "stamp"
    value = filestamp.fingerprint([str(file)])
    assert not stamps.exists()  # written this instant: a same-sized write in this clock tick keeps its stamp
    monkeypatch.setattr(filestamp, "SETTLE_NS", 0)
    assert filestamp.fingerprint([str(file)]) == value
    assert [p for p in stamps.rglob("*") if p.is_file()]  # settled: remembered
