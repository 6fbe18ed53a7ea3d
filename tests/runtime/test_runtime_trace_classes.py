"""`syscalltbl run --trace -e trace=SET`: only the calls of SET (names and %classes, classes.toml) are printed,
signals and exits still are, and the program's own output does not change."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from busybox import busybox

from support import Cli

PIPELINE = ["sh", "-c", "cat /etc/motd | wc -c"]
CALL = re.compile(r"(?:\[pid \d+\] )?(\w+)\(")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """README's demo root: busybox and its applet links, and an /etc/motd to read."""
    root = tmp_path_factory.mktemp("root")
    (root / "bin").mkdir()
    shutil.copy(busybox(), root / "bin" / "busybox")
    for applet in ("sh", "cat", "wc"):
        (root / "bin" / applet).symlink_to("busybox")
    (root / "etc").mkdir()
    (root / "etc" / "motd").write_text("hello from the root\n")
    return root


@pytest.fixture(scope="module")
def classes_by_name(cli: Cli) -> dict[str, set[str]]:
    document = json.loads(cli.run("export", "--format", "json").stdout)
    return {row["name"]: set(row["classes"]) for row in document["syscalls"]}


def run(cli: Cli, root: Path, *options: str) -> tuple[bytes, list[str]]:
    proc = cli.run("run", "--root", root, "--env-clear", "--env", "PATH=/bin", *options, *PIPELINE)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout, proc.stderr.decode().splitlines()


def calls(lines: list[str]) -> list[str]:
    names = []
    for line in lines:
        match = CALL.match(line)
        if match is not None:
            names.append(match.group(1))
        else:
            assert re.match(r"(\[pid \d+\] )?(---|\+\+\+) ", line), line  # a signal or an exit
    return names


def test_trace_file_class_prints_only_file_calls(cli: Cli, root: Path, classes_by_name: dict[str, set[str]]) -> None:
    plain, _ = run(cli, root)
    stdout, lines = run(cli, root, "--trace", "-e", "trace=%file")
    assert stdout == plain == b"20\n"
    names = calls(lines)
    assert {"openat", "execve"} <= set(names)
    assert all("file" in classes_by_name[name] for name in names), sorted(set(names))
    # As strace: each signal delivered and each process's end are shown whatever the set.
    assert any("--- SIGCHLD {" in line for line in lines)
    assert sum("+++ exited with 0 +++" in line for line in lines) == 3
    _, everything = run(cli, root, "--trace")
    assert len(calls(everything)) > len(names)  # read, write, close, ... were left out


def test_negated_set_and_plain_names(cli: Cli, root: Path, classes_by_name: dict[str, set[str]]) -> None:
    _, lines = run(cli, root, "--trace", "-e", "trace=!%file,%memory")
    names = set(calls(lines))
    assert names and {"read", "write", "pipe2"} <= names
    assert not any(classes_by_name[n] & {"file", "memory"} for n in names), sorted(names)
    _, lines = run(cli, root, "--trace", "-e", "pipe2,%signal")  # strace's -e SET means -e trace=SET
    names = set(calls(lines))
    assert {"pipe2", "rt_sigaction"} <= names
    assert all(n == "pipe2" or "signal" in classes_by_name[n] for n in names), sorted(names)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--trace", "-e", "trace=%files"], "-e trace=%files: unknown class %files: expected one of %file, "),
        (["--trace", "-e", "trace=opnat"], "-e trace=opnat: no syscall 'opnat' in the table"),
        (["-e", "trace=%file"], "-e trace=SET needs --trace"),
        (["--trace", "-e", "signal=none"], "-e signal=none: only trace=SET is supported"),
    ],
)
def test_bad_sets_are_usage_errors(cli: Cli, root: Path, options: list[str], message: str) -> None:
    proc = cli.run("run", "--root", root, *options, "true")
    assert proc.returncode == 2
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1 and message in lines[0], lines
