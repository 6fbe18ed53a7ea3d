"""The cache stays within its bound ($SYSCALLTBL_CACHE_MAX), evicting the least recently used entries first,
safely for other processes; `syscalltbl cache --info/--clear` shows and empties it."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import time
from pathlib import Path

from support import Cli

LINES = 300  # a table's size: entries of tens of KiB, so that block rounding is small beside them


def _table(directory: Path, n: int) -> Path:
    """Table n: its own syscall names (m<n>_<j>), found again in its cached output."""
    path = directory / f"t{n}.tbl"
    path.write_text("".join(f"{j}\tcommon\tm{n}_{j}\tsys_m{n}_{j}\n" for j in range(LINES)))
    return path


def _script(cli: Cli, directory: Path, n: int, bound: str | None) -> None:
    env = dict(cli.env)
    if bound is not None:
        env["SYSCALLTBL_CACHE_MAX"] = bound
    proc = Cli(cli.executable, env).run(
        "script", "syscallhdr", "--emit-nr", _table(directory, n), directory / f"t{n}.h", cwd=directory
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""


def _disk_usage(root: Path, under: str = "") -> int:
    files = [p for p in (root / under).rglob("*") if p.is_file() and not p.name.startswith(".")]
    return sum(max(p.stat().st_blocks * 512, p.stat().st_size) for p in files)


def _files(root: Path) -> dict[Path, float]:
    """Each entry file of the cache (not its own dot files) with its mtime, the time of its last use."""
    return {p: p.stat().st_mtime for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")}


def _of_table(n: int, files: dict[Path, float]) -> set[Path]:
    """Table n's entries: its model and its rendered header both hold its syscall names."""
    return {p for p in files if re.search(rb"m%d_0(?![0-9])" % n, p.read_bytes())}


def test_a_bound_evicts_the_least_recently_used_entries_first(
    fresh_cli: Cli, fresh_cache: Path, tmp_path: Path
) -> None:
    root = fresh_cache / "syscalltbl"
    _script(fresh_cli, tmp_path, 0, None)
    one_table = _disk_usage(root, "model") + _disk_usage(root, "output")
    bound = _disk_usage(root) + one_table * 5 // 2  # table 0, the parser's tables and 2.5 tables more
    for n in (1, 2):
        _script(fresh_cli, tmp_path, n, str(bound))
    time.sleep(0.05)  # a later mtime than table 2's entries, on any clock
    _script(fresh_cli, tmp_path, 0, str(bound))  # served from the cache: table 0's header is used again
    before = _files(root)
    assert _disk_usage(root) <= bound
    (header_0,) = _of_table(0, before) & set((root / "output").rglob("*"))
    table_1 = _of_table(1, before)
    assert before[header_0] > max(before[p] for p in _of_table(2, before))
    _script(fresh_cli, tmp_path, 3, str(bound))  # over the bound: the least recently used go
    after = _files(root)
    removed, kept = set(before) - set(after), set(before) & set(after)
    assert removed
    assert max(before[p] for p in removed) <= min(before[p] for p in kept)
    assert header_0 in kept  # written first, but used after tables 1 and 2
    assert table_1 - set(after)
    assert len(_of_table(3, after)) == 2
    assert _disk_usage(root) <= bound
    for n in range(4, 8):  # the bound holds as tables keep coming
        _script(fresh_cli, tmp_path, n, str(bound))
        assert _disk_usage(root) <= bound
        assert len(_of_table(n, _files(root))) == 2


def test_cache_info_shows_size_entries_and_bound(fresh_cli: Cli, fresh_cache: Path, tmp_path: Path) -> None:
    _script(fresh_cli, tmp_path, 0, None)
    proc = fresh_cli.run("cache", "--info")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert lines[0] == f"path:     {fresh_cache / 'syscalltbl'}"
    # The table's model, Lark's parser tables, the output, and the warm script path's record and stamp.
    assert re.fullmatch(r"size:     \d+(\.\d)? KiB in 5 entries", lines[1]), lines[1]
    assert lines[2] == "bound:    256 MiB (the default; set SYSCALLTBL_CACHE_MAX to change it, 0 for none)"
    assert lines[3].startswith("eviction: least recently used first, down to 204.8 MiB")
    kinds = sorted(line.split()[0] for line in lines[4:])
    assert kinds == ["lark-tbl.cache", "model", "output", "script-args", "stamp"]
    small = Cli(fresh_cli.executable, dict(fresh_cli.env, SYSCALLTBL_CACHE_MAX="16K"))
    lines = small.run("cache").stdout.decode().splitlines()  # --info is the default
    assert lines[1].endswith("; over the bound until the next write trims it")
    assert lines[2] == "bound:    16 KiB (SYSCALLTBL_CACHE_MAX=16K)"
    unbounded = Cli(fresh_cli.executable, dict(fresh_cli.env, SYSCALLTBL_CACHE_MAX="0"))
    lines = unbounded.run("cache", "--info").stdout.decode().splitlines()
    assert lines[2] == "bound:    none (SYSCALLTBL_CACHE_MAX=0)"
    assert not lines[3].startswith("eviction:")


def test_a_cache_that_cannot_be_written_is_shown_as_such_and_not_cleared(fresh_cli: Cli) -> None:
    nowhere = Cli(fresh_cli.executable, dict(fresh_cli.env, XDG_CACHE_HOME="/proc/no-cache-here"))
    info = nowhere.run("cache", "--info")
    assert info.returncode == 0, info.stderr
    assert info.stdout.decode().splitlines()[:2] == [
        "path:     /proc/no-cache-here/syscalltbl (cannot be written: each command caches privately)",
        "size:     0 bytes in 0 entries",
    ]
    cleared = nowhere.run("cache", "--clear")
    assert cleared.returncode == 1
    assert cleared.stdout == b""
    message = "error: /proc/no-cache-here/syscalltbl: cannot be written: nothing cleared\n"
    assert cleared.stderr.decode().endswith(message)
    assert cleared.stderr.count(b"\n") == 1


def test_clear_removes_every_entry_and_build_still_works(fresh_cli: Cli, tmp_path: Path) -> None:
    first = fresh_cli.run("build", "--group", "kernel", "--arch", "x86", "-o", tmp_path / "a")
    assert first.returncode == 0, first.stderr
    cleared = fresh_cli.run("cache", "--clear")
    assert cleared.returncode == 0, cleared.stderr
    message = cleared.stdout.decode()
    assert re.fullmatch(r"syscalltbl cache: removed \d+ entries \(\d+(\.\d)? (KiB|MiB)\) from .*\n", message)
    assert "removed 0 entries" not in message
    info = fresh_cli.run("cache", "--info").stdout.decode().splitlines()
    assert info[1] == "size:     0 bytes in 0 entries"
    assert fresh_cli.run("cache", "--clear").stdout.decode().startswith("syscalltbl cache: removed 0 entries (0 bytes)")
    again = fresh_cli.run("build", "--group", "kernel", "--arch", "x86", "-o", tmp_path / "b")
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    for output in (tmp_path / "a").rglob("*"):
        if output.is_file():
            assert (tmp_path / "b" / output.relative_to(tmp_path / "a")).read_bytes() == output.read_bytes()


def test_clear_keeps_the_record_of_a_running_build(fresh_cli: Cli, fresh_cache: Path, tmp_path: Path) -> None:
    proc = fresh_cli.run("build", "--group", "kernel", "--arch", "x86", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    (lock,) = (fresh_cache / "syscalltbl" / "builds").glob("*.lock")
    with open(lock, "rb") as held:  # what a build of that output directory holds while it runs
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        cleared = fresh_cli.run("cache", "--clear")
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.decode().splitlines()[1] == "syscalltbl cache: kept 1 entry in use by a running build"
    assert lock.exists() and lock.with_suffix(".json").exists()
    assert fresh_cli.run("cache", "--clear").stdout.decode().startswith("syscalltbl cache: removed 1 entry ")
    assert not lock.exists()


def test_a_bad_bound_is_an_error_for_cache_and_a_warning_for_build(fresh_cli: Cli, tmp_path: Path) -> None:
    bad = Cli(fresh_cli.executable, dict(fresh_cli.env, SYSCALLTBL_CACHE_MAX="lots"))
    proc = bad.run("cache", "--info")
    assert proc.returncode == 1
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "error: SYSCALLTBL_CACHE_MAX='lots' is not a size" in err
    proc = bad.run("build", "--group", "kernel", "--arch", "x86", "-o", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode() == (
        "syscalltbl build: warning: SYSCALLTBL_CACHE_MAX='lots' is not a size "
        "(bytes, or a number with K, M or G: 256M); the cache is not trimmed\n"
    )


def test_builds_in_parallel_under_a_tiny_bound_all_succeed(fresh_cli: Cli, tmp_path: Path) -> None:
    """Each process evicts what the others read and write (every build takes the cache over 64 KiB and
    trims it as it exits): a vanished entry is a miss, never an error or a wrong output."""
    reference = fresh_cli.run("build", "--group", "kernel", "--arch", "x86", "-o", tmp_path / "reference")
    assert reference.returncode == 0, reference.stderr
    loop = 'for i in 1 2 3 4; do "$0" build --group kernel --arch x86 -o "$1/$i" || exit 1; done'
    env = dict(fresh_cli.env, SYSCALLTBL_CACHE_MAX="64K")
    procs = [
        subprocess.Popen(
            ["sh", "-c", loop, fresh_cli.executable, str(tmp_path / f"p{n}")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(3)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert err == b""
        assert out.decode().splitlines() == [reference.stdout.decode().strip()] * 4
    outputs = [p.relative_to(tmp_path / "reference") for p in (tmp_path / "reference").rglob("*") if p.is_file()]
    assert outputs
    for n in range(3):
        for i in range(1, 5):
            for output in outputs:
                built = (tmp_path / f"p{n}" / str(i) / output).read_bytes()
                assert built == (tmp_path / "reference" / output).read_bytes()


# ---------------------------------------------------------------- the eviction itself, on a cache laid out by hand


def _entry(path: Path, size: int, used: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == "" and path.parent.name == "x86_64-images":
        path.mkdir()
        (path / "image").write_bytes(b"\0" * size)
    else:
        path.write_bytes(b"\0" * size)
    os.utime(path, (used, used))
    return path


def test_trim_spares_directories_in_use_and_files_being_written(tmp_path: Path) -> None:
    from syscalltbl.store import cacheevict

    now = time.time()
    old_file = _entry(tmp_path / "output" / "ab" / "1111", 40960, now - 900)
    recent_dir = _entry(tmp_path / "x86_64-images" / ("a" * 32), 40960, now - 60)  # looked up a minute ago
    old_dir = _entry(tmp_path / "x86_64-images" / ("b" * 32), 40960, now - 800)
    writing = _entry(tmp_path / "output" / "ab" / ".2222.123.0.tmp", 40960, now - 5000)
    being_written = _entry(tmp_path / "output" / "cd" / ".3333.123.0.tmp", 40960, now - 10)
    newest = _entry(tmp_path / "model" / "ef" / "4444", 40960, now)
    removed = cacheevict.trim(tmp_path, 50000, now)
    # Oldest first: the crashed writer's leftover, the old file, the old directory; the directory
    # used a minute ago is skipped though older than the newest file, which is what then goes.
    assert [Path(e.path) for e in removed] == [writing, old_file, old_dir, newest]
    assert recent_dir.is_dir() and being_written.is_file()
    assert not any(p.name.startswith(".evicted") for p in (tmp_path / "x86_64-images").iterdir())


def test_trim_leaves_an_entry_used_after_it_was_chosen(tmp_path: Path) -> None:
    from syscalltbl.store import cacheevict

    now = time.time()
    entry = _entry(tmp_path / "output" / "ab" / "1111", 4096, now - 900)
    (chosen,) = cacheevict.entries(tmp_path, now)
    os.utime(entry)  # a process reads it between the scan and the removal
    assert not cacheevict.remove(chosen, unused_since=chosen.used)
    assert entry.exists()


def test_a_build_waiting_on_a_lock_that_eviction_unlinks_takes_the_new_one(tmp_path: Path) -> None:
    """Eviction unlinks an unused build record's lock while holding it. A build that had opened that
    lock and waits on it must not run under the unlinked file's lock, which a later build, opening the
    path anew, would not see: it takes the lock at the path again."""
    import threading

    from syscalltbl.build import incremental

    state = tmp_path / "builds" / "record.json"
    state.parent.mkdir()
    lock = state.with_suffix(".lock")
    evictor = open(lock, "a+b")  # noqa: SIM115 (held across the thread's start)
    fcntl.flock(evictor.fileno(), fcntl.LOCK_EX)
    entered, leave = threading.Event(), threading.Event()

    def build() -> None:
        with incremental.locked(state):
            entered.set()
            leave.wait(30)

    waiting = threading.Thread(target=build)
    waiting.start()
    time.sleep(0.3)  # the build has opened the lock file and waits in flock
    lock.unlink()
    evictor.close()  # the unlinked file's lock is free now
    assert entered.wait(30)
    with open(lock, "a+b") as later:  # a later build opens the path: it must wait too
        try:
            fcntl.flock(later.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            taken = True
        except BlockingIOError:
            taken = False
    leave.set()
    waiting.join(30)
    assert not taken


def test_a_machine_from_the_cache_marks_its_kernel_image_used(fresh_cli: Cli, fresh_cache: Path) -> None:
    """The cached kernel names its vmlinux and its table module, in image directories of the cache: a
    boot from that entry uses them too, or they would age and be evicted while it is used every day."""
    first = fresh_cli.run("run", "/bin/true")
    assert first.returncode == 0, first.stderr
    images = fresh_cache / "syscalltbl" / "x86_64-images"
    kernel = {p.parent for name in ("vmlinux", "sys_call_table_64.py") for p in images.glob(f"*/{name}")}
    assert len(kernel) == 2
    day_ago = time.time() - 86400
    for entry in [*images.iterdir(), *(fresh_cache / "syscalltbl").rglob("*")]:
        os.utime(entry, (day_ago, day_ago))
    again = fresh_cli.run("run", "/bin/true")
    assert again.returncode == 0, again.stderr
    for directory in kernel:
        assert directory.stat().st_mtime > day_ago + 3600, directory.name
