"""I/O errors end a command with one line naming the path and the error, exit 1, and nothing half-written.

Three ways a write fails, each made real rather than simulated:

- standard output on /dev/full (ENOSPC) or on a pipe whose reader is gone
  (EPIPE): every command in `syscalltbl --help`, one row each;
- a read-only project (EACCES): chmod a-w, and, when the tests run as root
  (for whom permission bits do not stop a write), the command runs as
  nobody through `setpriv`; the tree is made under a world-readable
  temporary directory so that nobody can reach it;
- a full or read-only file system (ENOSPC, EROFS): a small tmpfs, or a
  read-only bind mount, in a private mount namespace (`unshare -rm`), which
  needs no root;
- a file where a directory must be (ENOTDIR) and a directory where a file
  must be (EISDIR).

After each refused project command the project's files are byte-identical
to what they were, and no temporary file is left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import console_script
from syscalltbl.build.addsyscall import Request, init_project, plan_add
from syscalltbl.store import transaction
from syscalltbl.tables.target import resolve

T64 = "arch/x86/entry/syscalls/syscall_64.tbl"
S390 = "arch/s390/kernel/syscalls/syscall.tbl"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
ENOSPC_LINE = "standard output: No space left on device"


def snapshot(base: Path) -> dict[str, bytes]:
    """Every file under `base` (hidden temporary files included), by relative path."""
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory nobody (uid 65534) can reach, unlike pytest's tmp_path (0700 when root runs the tests)."""
    base = Path(tempfile.mkdtemp(prefix="syscalltbl-io-"))
    base.chmod(0o755)
    cache = base / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    yield base
    for path in [base, *base.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(base)


def run(
    argv: list[str], base: Path, *, stdout: int | None = subprocess.PIPE, stdin: Path | None = None,
    unprivileged: bool = False,
) -> subprocess.CompletedProcess[str]:
    """The installed console script, caching under `base`; as nobody when `unprivileged` and root runs the tests."""
    prefix = NOBODY if unprivileged and os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is missing: it runs the read-only cases as nobody when root runs the tests")
    env = dict(os.environ, XDG_CACHE_HOME=str(base / "cache"), LC_ALL="C")
    with open(stdin if stdin is not None else os.devnull, "rb") as source:
        return subprocess.run([*prefix, console_script(), *argv], stdin=source, stdout=stdout,
                              stderr=subprocess.PIPE, text=True, env=env, timeout=300, check=False)


def read_only(tree: Path) -> None:
    """Every directory and file under `tree` (and `tree`) loses its write bits, for everyone."""
    for path in [tree, *tree.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project in which add-syscall added my_func (so that remove-syscall has something to remove)."""
    project = tmp_path_factory.mktemp("template") / "proj"
    init_project(project)
    plan_add(resolve(project), Request("my_func", "int a")).apply()
    return project


def copy_project(template: Path, base: Path) -> Path:
    """The template copied under `base`, owned by whoever runs the unprivileged commands (nobody, for root)."""
    project = Path(shutil.copytree(template, base / "proj"))
    if os.geteuid() == 0:
        for path in [project, *project.rglob("*")]:
            os.chown(path, 65534, 65534)
    return project


# ------------------------------------------------------------------ standard output

#: Every command of `syscalltbl --help`, with arguments that make it print.
#: {base} is a scratch directory, {proj} a project where my_func was added.
STDOUT_COMMANDS: dict[str, list[str]] = {
    "build": ["build", "-o", "{base}/out", "--arch", "x86", "-C", "{proj}"],
    "lint": ["lint", f"{{proj}}/{T64}"],
    "lint --list-rules": ["lint", "--list-rules"],
    "show": ["show", "getpid", "-C", "{proj}"],
    "export": ["export", "--format", "csv", "-C", "{proj}"],
    "compat": ["compat", "--format", "json"],
    "fuzz": ["fuzz", "--count", "20", "--seed", "1"],
    "init": ["init", "{base}/new"],
    "add-syscall": ["add-syscall", "other", "-C", "{proj}"],
    "remove-syscall": ["remove-syscall", "my_func", "-C", "{proj}"],
    "add-device": ["add-device", "adder", "-C", "{proj}"],
    "script": ["script", "s390-syscalltbl", "-H"],
    "cache": ["cache", "--info"],
    "--help": ["--help"],
    "run --help": ["run", "--help"],
}


def _argv(name: str, base: Path, project: Path) -> list[str]:
    return [a.format(base=base, proj=project) for a in STDOUT_COMMANDS[name]]


def test_the_table_has_every_command() -> None:
    from syscalltbl.cli.commands import NAMES

    assert {name.split()[0] for name in STDOUT_COMMANDS} - {"--help"} == {"build", "script", *NAMES}


@pytest.mark.parametrize("name", list(STDOUT_COMMANDS))
def test_stdout_on_dev_full_is_one_line_and_exit_1(name: str, shared_tmp: Path, template: Path) -> None:
    project = copy_project(template, shared_tmp)
    with open("/dev/full", "wb") as full:
        proc = run(_argv(name, shared_tmp, project), shared_tmp, stdout=full.fileno(), stdin=project / S390)
    command = "syscalltbl" if name == "--help" else f"syscalltbl {name.split()[0]}"
    assert (proc.returncode, proc.stderr) == (1, f"{command}: error: {ENOSPC_LINE}\n")


@pytest.mark.parametrize("name", list(STDOUT_COMMANDS))
def test_stdout_on_a_closed_pipe_ends_quietly_with_141(name: str, shared_tmp: Path, template: Path) -> None:
    project = copy_project(template, shared_tmp)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        proc = run(_argv(name, shared_tmp, project), shared_tmp, stdout=writer, stdin=project / S390)
    finally:
        os.close(writer)
    assert (proc.returncode, proc.stderr) == (141, "")


def test_project_commands_write_everything_before_reporting_it(shared_tmp: Path, template: Path) -> None:
    # The diff is printed only once the change is written: a stdout that fails
    # cannot leave half a change (and the change it reports is all there).
    project = copy_project(template, shared_tmp)
    with open("/dev/full", "wb") as full:
        added = run(["add-syscall", "other", "-C", str(project)], shared_tmp, stdout=full.fileno())
    assert added.returncode == 1
    assert (project / "syscalls/other.py").is_file()
    assert "\tother\t" in (project / T64).read_text()
    assert "[syscalls.other]" in (project / "arch/added-syscalls.toml").read_text()


def test_run_program_output_on_dev_full_and_a_closed_pipe(shared_tmp: Path) -> None:
    # `run`'s standard output is the program's: busybox reports its own write error.
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.fail("busybox is missing: install Debian's busybox-static (tests/run.sh does)")
    with open("/dev/full", "wb") as full:
        proc = run(["run", busybox, "echo", "hi"], shared_tmp, stdout=full.fileno())
    assert (proc.returncode, proc.stderr) == (1, "echo: write error: No space left on device\n")
    reader, writer = os.pipe()
    os.close(reader)
    try:
        proc = run(["run", busybox, "echo", "hi"], shared_tmp, stdout=writer)
    finally:
        os.close(writer)
    assert (proc.returncode, proc.stderr) == (141, "")  # quiet, as a shell is about SIGPIPE


def test_run_trace_output_on_dev_full_is_one_line_and_exit_1(shared_tmp: Path) -> None:
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.fail("busybox is missing: install Debian's busybox-static (tests/run.sh does)")
    proc = run(["run", "--trace", "-o", "/dev/full", busybox, "true"], shared_tmp)
    assert (proc.returncode, proc.stderr) == (1, "syscalltbl run: error: /dev/full: No space left on device\n")


# ------------------------------------------------------------------ a read-only project

READ_ONLY_COMMANDS: dict[str, tuple[list[str], str]] = {
    "add-syscall": (["add-syscall", "other", "--all-arches"], "arch/alpha/kernel/syscalls/syscall.tbl"),
    "remove-syscall": (["remove-syscall", "my_func"], T64),
    "add-device": (["add-device", "adder"], "devices"),
}


@pytest.mark.parametrize("name", list(READ_ONLY_COMMANDS))
def test_a_read_only_project_is_refused_whole_with_one_line(name: str, shared_tmp: Path, template: Path) -> None:
    project = copy_project(template, shared_tmp)
    read_only(project)
    before = snapshot(project)
    argv, failing = READ_ONLY_COMMANDS[name]
    proc = run([*argv, "-C", str(project)], shared_tmp, unprivileged=True)
    assert snapshot(project) == before
    assert (proc.returncode, proc.stdout) == (1, "")  # no diff of a change that was not made
    assert proc.stderr == f"syscalltbl {name}: error: {project / failing}: Permission denied\n"


def test_init_in_a_read_only_directory(shared_tmp: Path) -> None:
    parent = shared_tmp / "ro"
    parent.mkdir()
    read_only(parent)
    proc = run(["init", str(parent / "p")], shared_tmp, unprivileged=True)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"syscalltbl init: error: {parent / 'p'}: Permission denied\n"
    assert list(parent.iterdir()) == []


def test_init_below_a_file_names_the_file(shared_tmp: Path) -> None:
    (shared_tmp / "afile").write_text("")
    proc = run(["init", str(shared_tmp / "afile" / "p")], shared_tmp)
    assert (proc.returncode, proc.stderr) == (1, f"syscalltbl init: error: {shared_tmp / 'afile'}: Not a directory\n")


def test_a_file_where_syscalls_should_be_changes_nothing(shared_tmp: Path) -> None:
    # Found only when the implementation is written, after the tables: the
    # whole change is staged first, so the tables are not touched either.
    project = shared_tmp / "proj"
    init_project(project)
    shutil.rmtree(project / "syscalls")
    (project / "syscalls").write_text("not a directory\n")
    before = snapshot(project)
    proc = run(["add-syscall", "my_func", "-C", str(project)], shared_tmp)
    assert snapshot(project) == before
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"syscalltbl add-syscall: error: {project / 'syscalls'}: Not a directory\n"


@pytest.mark.parametrize("argv", [["add-syscall", "other", "--all-arches"], ["remove-syscall", "my_func"]])
def test_a_read_only_last_target_changes_nothing(argv: list[str], shared_tmp: Path, template: Path) -> None:
    # syscalls/ is written after 17 tables, the header and the record: none of them may change.
    project = copy_project(template, shared_tmp)
    read_only(project / "syscalls")
    before = snapshot(project)
    proc = run([*argv, "-C", str(project)], shared_tmp, unprivileged=True)
    assert snapshot(project) == before
    assert (proc.returncode, proc.stdout) == (1, "")
    name = "other" if argv[0] == "add-syscall" else "my_func"
    assert proc.stderr == f"syscalltbl {argv[0]}: error: {project / 'syscalls' / name}.py: Permission denied\n"


# ------------------------------------------------------------------ outputs of export and script


def test_export_and_script_into_an_unwritable_directory_keep_the_old_output(shared_tmp: Path, template: Path) -> None:
    project = copy_project(template, shared_tmp)
    outdir = shared_tmp / "out"
    outdir.mkdir()
    (outdir / "matrix.json").write_text("old\n")
    (outdir / "unistd_64.h").write_text("old\n")
    read_only(outdir)
    export = run(["export", "-C", str(project), "-o", str(outdir / "matrix.json")], shared_tmp, unprivileged=True)
    denied = "Permission denied\n"
    assert (export.returncode, export.stderr) == (1, f"syscalltbl export: error: {outdir / 'matrix.json'}: {denied}")
    # What a kernel build shows when scripts/syscallhdr.sh cannot write its OUTFILE: one line naming it.
    script = run(["script", "syscallhdr", "--emit-nr", "--abis", "common,64", str(project / T64),
                  str(outdir / "unistd_64.h")], shared_tmp, unprivileged=True)
    assert (script.returncode, script.stderr) == (1, f"syscalltbl script: error: {outdir / 'unistd_64.h'}: {denied}")
    assert snapshot(outdir) == {"matrix.json": b"old\n", "unistd_64.h": b"old\n"}


def test_export_onto_a_directory(shared_tmp: Path) -> None:
    (shared_tmp / "dir").mkdir()
    proc = run(["export", "-o", str(shared_tmp / "dir")], shared_tmp)
    assert (proc.returncode, proc.stderr) == (1, f"syscalltbl export: error: {shared_tmp / 'dir'}: Is a directory\n")


# ------------------------------------------------------------------ full and read-only file systems

#: Runs inside a private mount namespace: a project on a small tmpfs, then the
#: commands on a full and on a read-only file system. Prints one JSON object.
_IN_NAMESPACE = r"""
import json, os, subprocess, sys
from pathlib import Path
cli, where = sys.argv[1], Path(sys.argv[2])
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], check=True)
def snapshot(base):
    return {str(p): p.read_bytes().hex() for p in sorted(base.rglob("*")) if p.is_file()}
def run(*argv):
    proc = subprocess.run([cli, *argv], capture_output=True, text=True)
    return [proc.returncode, proc.stdout, proc.stderr]
project = where / "proj"
results = {"init": run("init", str(project)), "ro": where / "ro"}
(where / "ro").mkdir()
subprocess.run(["mount", "--bind", str(project), str(where / "ro")], check=True)
subprocess.run(["mount", "-o", "remount,bind,ro", str(where / "ro")], check=True)
before = snapshot(where / "ro")
results["erofs"] = run("add-syscall", "my_func", "-C", str(where / "ro"))
results["erofs_same"] = snapshot(where / "ro") == before
with open(where / "filler", "wb") as filler:
    try:
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()
    except OSError:
        pass
before = snapshot(project)
results["enospc"] = run("add-syscall", "my_func", "-C", str(project))
results["enospc_same"] = snapshot(project) == before
results["export"] = run("export", "-C", str(project), "-o", str(where / "matrix.json"))
results["export_absent"] = not (where / "matrix.json").exists()
results["ro"] = str(results["ro"])
print(json.dumps(results))
"""


def test_full_and_read_only_file_systems(shared_tmp: Path) -> None:
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is missing: it makes the full and read-only file systems")
    where = shared_tmp / "fs"
    where.mkdir()
    env = dict(os.environ, XDG_CACHE_HOME=str(shared_tmp / "cache"), LC_ALL="C")
    proc = subprocess.run(["unshare", "-rm", sys.executable, "-c", _IN_NAMESPACE, console_script(), str(where)],
                          capture_output=True, text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 0, f"no private mount namespace for the test: {proc.stderr}"
    results = json.loads(proc.stdout)
    assert results["init"][0] == 0, results["init"]
    ro, project = results["ro"], where / "proj"
    assert results["erofs"] == [1, "", f"syscalltbl add-syscall: error: {ro}/{T64}: Read-only file system\n"]
    assert results["erofs_same"]
    assert results["enospc"] == [1, "", f"syscalltbl add-syscall: error: {project}/{T64}: No space left on device\n"]
    assert results["enospc_same"]
    assert results["export"] == [1, "", f"syscalltbl export: error: {where}/matrix.json: No space left on device\n"]
    assert results["export_absent"]


# ------------------------------------------------------------------ the transaction itself


def _left_over(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_a_failing_rename_rolls_back_the_ones_done(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_bytes(b"first, old\n")
    second.write_bytes(b"second, old\n")
    staged = transaction.stage([(first, b"first, new\n"), (tmp_path / "third", b"new file\n"),
                                (second, b"second, new\n")])
    # The last rename fails for real: its staged file is gone when the swap reaches it.
    last = staged.targets[-1].new
    assert last is not None
    last.unlink()
    with pytest.raises(FileNotFoundError) as failed:
        staged.swap()
    assert failed.value.filename == str(second)
    assert snapshot(tmp_path) == {"first": b"first, old\n", "second": b"second, old\n"}


def test_a_refused_target_leaves_no_directory_or_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "old").write_bytes(b"old\n")
    (tmp_path / "afile").write_bytes(b"")
    (tmp_path / "adir").mkdir()
    for blocked, error, named in (
        (tmp_path / "afile" / "x", NotADirectoryError, tmp_path / "afile"),
        (tmp_path / "adir", IsADirectoryError, tmp_path / "adir"),
    ):
        with pytest.raises(error) as refused:
            transaction.commit([(tmp_path / "old", b"new\n"), (tmp_path / "new" / "deep" / "f", b"f\n"),
                                (blocked, b"x")])
        assert refused.value.filename == str(named)
        assert snapshot(tmp_path) == {"afile": b"", "old": b"old\n"}
        assert not (tmp_path / "new").exists() and _left_over(tmp_path) == []


def test_a_commit_writes_removes_and_keeps_each_mode(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.write_bytes(b"old\n")
    kept.chmod(0o640)
    (tmp_path / "gone").write_bytes(b"bye\n")
    umask = os.umask(0o077)  # would make a new file 0600: the replaced one keeps its 0640 all the same
    try:
        transaction.commit([(kept, b"new\n"), (tmp_path / "gone", None), (tmp_path / "d" / "made", b"made\n")])
    finally:
        os.umask(umask)
    assert snapshot(tmp_path) == {"kept": b"new\n", "d/made": b"made\n"}
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert _left_over(tmp_path) == [] and _left_over(tmp_path / "d") == []



def test_ctrl_c_while_staging_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The backup of a.txt is staged, then Ctrl-C comes while its new bytes are: nothing may stay behind.
    target = tmp_path / "a.txt"
    target.write_bytes(b"old\n")
    real = transaction._temporary
    calls = []

    def interrupted_second_time(path: Path, data: bytes, mode: int | None) -> Path:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, data, mode)

    monkeypatch.setattr(transaction, "_temporary", interrupted_second_time)
    with pytest.raises(KeyboardInterrupt):
        transaction.commit([(target, b"new\n")])
    assert len(calls) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"] and target.read_bytes() == b"old\n"
