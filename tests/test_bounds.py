"""Bounds on input (docs/limits.md): no table or header makes any command slow or large.

Every command here runs as a real process under an address-space limit
(RLIMIT_AS) and a wall-clock limit: one that sizes something by a number it
read, or walks a deep tree recursively, dies or times out instead of passing.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tables_strategy as ts
from debian_cache import linux_source_files
from support import Cli
from syscalltbl.lint import run_lint
from syscalltbl.lint.files import standalone_inputs
from syscalltbl.lint.rules_ranges import is_placeholder, reservations, x32_legacy_match
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.limits import (
    HEADER_BYTES_LIMIT,
    MACHINE_SLOT_LIMIT,
    NESTING_LIMIT,
    NUMBER_LIMIT,
    PROBLEMS_LIMIT,
    SLOT_LIMIT,
    TABLE_BYTES_LIMIT,
)
from syscalltbl.tables.prototypes import parse_prototypes

#: "A few hundred MB": the address space every command runs in. Python, Lark and
#: Jinja2 take about 100 MB of it; the 1,000,000-slot table below peaks at 260 MB.
MEMORY_LIMIT = 512 * 2**20
#: "A few seconds", with room for a machine shared with other jobs.
TIME_LIMIT = 10.0

SCRIPT_TOOLS = ("syscalltbl", "syscallhdr", "arm-syscallnr", "mips-syscallnr", "s390-syscalltbl")


@dataclass(frozen=True)
class Limited:
    status: int
    stdout: bytes
    stderr: bytes
    seconds: float
    #: Peak resident set of the process, in bytes.
    peak: int

    def error_lines(self) -> list[str]:
        return self.stderr.decode("utf-8", errors="replace").splitlines()


#: Runs argv[3:] under an address-space limit of argv[1] bytes, then writes its peak RSS to the
#: file argv[2] and ends as it did. A middleman, because Linux starts a child's ru_maxrss at the
#: RSS of the process it was forked from (exec_mmap keeps the old mm's high-water mark), and
#: pytest's own grows past any limit here over a whole run: forked from this small process
#: instead, the command is measured alone.
MIDDLEMAN = """
import os, resource, signal, sys
limit, report, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execvp(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as handle:
    handle.write(str(usage.ru_maxrss * 1024))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_limited(argv: list[str], env: dict[str, str], *, stdin: Path | None = None, cwd: Path | None = None) -> Limited:
    """Run `argv` under MEMORY_LIMIT; fail the test if it outlives TIME_LIMIT."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as report,
        open(stdin or os.devnull, "rb") as source,
    ):
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", MIDDLEMAN, str(MEMORY_LIMIT), report.name, *argv],
            stdin=source, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True,
        )
        try:
            proc.wait(timeout=TIME_LIMIT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail(f"{' '.join(argv)[:200]} ran for more than {TIME_LIMIT} s")
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        peak = int(report.read() or 0)
        return Limited(proc.returncode, out.read(), err.read(), seconds, peak)


def _script_argv(cli: Cli, tool: str, table: Path, output: Path) -> tuple[list[str], Path | None]:
    """A kernel-style command line for `tool`, and the file it reads on stdin (s390 only)."""
    base = [cli.executable, "script", tool]
    if tool == "s390-syscalltbl":
        return [*base, "-H", "-S", "-N", "-a", "common,64"], table
    if tool == "mips-syscallnr":
        return [*base, str(table), str(output), "common", "N64"], None
    return [*base, str(table), str(output)], None


def assert_one_error(result: Limited, starts: str, *mentions: str) -> None:
    lines = result.error_lines()
    assert result.status == 1, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith(starts), lines
    for mention in mentions:
        assert mention in lines[0], lines


# ------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("number", "mention"),
    [
        ("100000000", f"must fit in {SLOT_LIMIT} slots"),
        (str(2**63), f"expected below 2^31 = {NUMBER_LIMIT}"),
    ],
)
def test_huge_number_is_an_error_at_its_entry_in_every_script(
    cli: Cli, tmp_path: Path, number: str, mention: str
) -> None:
    table = tmp_path / "syscall.tbl"
    table.write_text(f"0\tcommon\tread\tsys_read\n{number}\tcommon\thuge\tsys_huge\n")
    for tool in SCRIPT_TOOLS:
        output = tmp_path / f"{tool}.h"
        argv, stdin = _script_argv(cli, tool, table, output)
        result = run_limited(argv, cli.env, stdin=stdin)
        shown = "<stdin>" if stdin else str(table)
        assert_one_error(result, f"{shown}:2:1: error: syscall number", mention, "docs/limits.md")
        assert not output.exists()
        assert result.stdout == b""


@pytest.mark.parametrize(
    ("number", "mention"),
    [
        (str(SLOT_LIMIT), f"syscall number {SLOT_LIMIT} too large"),
        (str(NUMBER_LIMIT - 1), f"syscall number {NUMBER_LIMIT - 1} too large"),
        (str(NUMBER_LIMIT), f"'{NUMBER_LIMIT}' out of range"),
        ("9" * 5000, "'9999999999999999999999999999999999999999'... (5000 characters) out of range"),
    ],
)
def test_numbers_at_the_limits(cli: Cli, tmp_path: Path, number: str, mention: str) -> None:
    """Each limit is exact, and a number of 5000 digits (past what int() accepts) is one more error."""
    table = tmp_path / "syscall.tbl"
    table.write_text(f"{number} common huge sys_huge\n")
    result = run_limited([cli.executable, "script", "syscallhdr", str(table), str(tmp_path / "u.h")], cli.env)
    assert_one_error(result, f"{table}:1:1: error: ", mention)

    table.write_text(f"{SLOT_LIMIT - 1} common last sys_last\n")
    result = run_limited([cli.executable, "script", "syscallhdr", str(table), str(tmp_path / "u.h")], cli.env)
    assert result.status == 0, result.error_lines()
    assert f"#define __NR_last {SLOT_LIMIT - 1}\n" in (tmp_path / "u.h").read_text()


def test_one_million_slots_as_the_kernel_script_makes_them(cli: Cli, tmp_path: Path) -> None:
    """The bound leaves room for what the kernel's script can do: byte-identical, in seconds and MB."""
    table = tmp_path / "syscall.tbl"
    table.write_text("0\tcommon\tread\tsys_read\n1000000\tcommon\tlast\tsys_last\n")
    ours = tmp_path / "ours.h"
    result = run_limited([cli.executable, "script", "syscalltbl", str(table), str(ours)], cli.env)
    assert result.status == 0, result.error_lines()
    assert result.peak < 400 * 2**20, f"peak RSS {result.peak // 2**20} MB"
    kernel_script = linux_source_files() / "scripts" / "syscalltbl.sh"
    theirs = tmp_path / "theirs.h"
    subprocess.run(["sh", str(kernel_script), str(table), str(theirs)], check=True, env=dict(cli.env, LC_ALL="C"))
    assert ours.read_bytes() == theirs.read_bytes()
    assert ours.read_bytes().count(b"\n") == 1_000_001


def test_every_command_reading_a_project_stops_at_the_huge_entry(cli: Cli, tmp_path: Path) -> None:
    """build, lint, show and export read tables through the same parser, so through the same check."""
    project = tmp_path / "project"
    assert cli.run("init", project).returncode == 0
    table = project / "arch" / "x86" / "entry" / "syscalls" / "syscall_64.tbl"
    with table.open("a") as handle:
        handle.write("100000000\tcommon\thuge\tsys_huge\n")
    line = table.read_text().count("\n")
    where = f"arch/x86/entry/syscalls/syscall_64.tbl:{line}:1: error: syscall number 100000000 too large"
    # `show` of the architecture reading the table (another architecture's lookup warns and goes on).
    for command in (["build", "-o", str(tmp_path / "out")], ["show", "read", "--arch", "x86"], ["export", "--no-lint"]):
        result = run_limited([cli.executable, *command, "-C", str(project)], cli.env)
        assert result.status == 1, (command, result.error_lines())
        errors = [e for e in result.error_lines() if " error: " in e]
        assert errors and all(where in e for e in errors), (command, result.error_lines())
        assert "Traceback" not in result.stderr.decode()
    assert not (tmp_path / "out").exists()
    result = run_limited([cli.executable, "lint", "-C", str(project)], cli.env)
    assert result.status == 1
    assert where in result.stdout.decode(), result.stdout.decode()[-2000:]


@pytest.mark.parametrize(("table", "abi"), [("syscall_64.tbl", "common"), ("syscall_32.tbl", "i386")])
def test_the_machine_stops_at_its_own_slot_limit(cli: Cli, tmp_path: Path, table: str, abi: str) -> None:
    # The kernel scripts take 2^20 slots; the machine's dense tables would cost as many in the host process.
    project = tmp_path / "project"
    assert cli.run("init", project).returncode == 0
    path = project / "arch" / "x86" / "entry" / "syscalls" / table
    with path.open("a") as handle:
        handle.write(f"{MACHINE_SLOT_LIMIT}\t{abi}\tbigone\tsys_ni_syscall\n")
    line = path.read_text().count("\n")
    program = tmp_path / "prog.py"
    program.write_text("from syscalltbl import libc\nlibc.getpid()\n")
    where = f"arch/x86/entry/syscalls/{table}:{line}:1: error: syscall number {MACHINE_SLOT_LIMIT} too large for "
    for command in (["run", str(program)], ["build", "--group", "runtime", "-o", str(tmp_path / "out")]):
        result = run_limited([cli.executable, *command], cli.env, cwd=project)
        assert_one_error(result, f"{project}/{where}", f"its tables hold {MACHINE_SLOT_LIMIT} slots")


# ---------------------------------------------------------------------- size


def test_input_over_the_size_limit_is_refused_by_name(cli: Cli, tmp_path: Path) -> None:
    at_limit = tmp_path / "at.tbl"
    at_limit.write_bytes(b"0 common read sys_read\n" + b"#" * (TABLE_BYTES_LIMIT - 24) + b"\n")
    assert at_limit.stat().st_size == TABLE_BYTES_LIMIT
    result = run_limited([cli.executable, "script", "syscalltbl", str(at_limit), str(tmp_path / "t.h")], cli.env)
    assert result.status == 0, result.error_lines()

    over = tmp_path / "over.tbl"
    over.write_bytes(at_limit.read_bytes() + b"\n")
    mention = f"input too large: more than {TABLE_BYTES_LIMIT} bytes, the limit on a table"
    result = run_limited([cli.executable, "script", "syscalltbl", str(over), str(tmp_path / "t.h")], cli.env)
    assert_one_error(result, f"syscalltbl script: error: {over}: ", mention)
    result = run_limited([cli.executable, "script", "s390-syscalltbl", "-S"], cli.env, stdin=over)
    assert_one_error(result, "syscalltbl script: error: <stdin>: ", mention)
    result = run_limited([cli.executable, "lint", str(over)], cli.env)
    assert_one_error(result, f"syscalltbl lint: error: {over}: ", mention)

    headers = tmp_path / "headers"
    (headers / "include" / "linux").mkdir(parents=True)
    syscalls_h = headers / "include" / "linux" / "syscalls.h"
    syscalls_h.write_bytes(b" " * HEADER_BYTES_LIMIT)
    result = run_limited([cli.executable, "show", "read", "--headers", str(headers)], cli.env)
    assert result.status == 0, result.error_lines()
    syscalls_h.write_bytes(b" " * (HEADER_BYTES_LIMIT + 1))
    result = run_limited([cli.executable, "show", "read", "--headers", str(headers)], cli.env)
    mention = f"input too large: more than {HEADER_BYTES_LIMIT} bytes, the limit on a prototype header"
    assert_one_error(result, f"syscalltbl show: error: {syscalls_h}: ", mention)


# ------------------------------------------------------------------- nesting


def _function_pointers(levels: int) -> str:
    """A parameter that is a function pointer taking one, `levels` deep: `levels` + 1 brackets deep."""
    return "asmlinkage long sys_deep(" + "void (*f)(" * levels + "int" + ")" * levels + ");\n"


def _first_too_deep(text: str) -> int:
    """The 1-based column of the first bracket past NESTING_LIMIT open ones on a one-line text, or 0."""
    depth = 0
    for index, char in enumerate(text):
        depth += 1 if char in "([{" else -1 if char in ")]}" else 0
        if depth > NESTING_LIMIT:
            return index + 1
    return 0


def test_nesting_up_to_the_limit_parses_even_from_a_deep_stack() -> None:
    def parse_at_depth(frames: int, text: str) -> int:
        if frames:
            return parse_at_depth(frames - 1, text)
        return len(parse_prototypes("h.h", text).prototypes)

    assert _first_too_deep(_function_pointers(NESTING_LIMIT - 1)) == 0
    assert parse_at_depth(300, _function_pointers(NESTING_LIMIT - 1)) == 1
    body = "asmlinkage long sys_body(int a) " + "{" * NESTING_LIMIT + "}" * NESTING_LIMIT + "\n"
    assert parse_at_depth(300, body) == 1


@pytest.mark.parametrize(
    "text",
    [
        "struct s " + "{" * 50_000 + "}" * 50_000 + ";\n",
        _function_pointers(NESTING_LIMIT),
        "int x" + "[(" * 5000 + ")]" * 5000 + ";\n",
        "asmlinkage long sys_x(int a) __attribute__(" + "(" * NESTING_LIMIT + ")" * NESTING_LIMIT + ");\n",
    ],
)
def test_nesting_past_the_limit_is_an_error_at_its_bracket(text: str) -> None:
    with pytest.raises(SyscalltblError) as raised:
        parse_prototypes("h.h", text)
    column = _first_too_deep(text)
    assert str(raised.value).startswith(f"h.h:1:{column}: error: brackets nested more than {NESTING_LIMIT} deep")


def test_a_header_of_stray_braces_is_given_up_after_the_limit_of_problems() -> None:
    """Each stray `}` costs the parser an exception to recover from: 262,144 of them once took over 10 s."""
    start = time.monotonic()
    parsed = parse_prototypes("h.h", "}" * HEADER_BYTES_LIMIT)
    assert time.monotonic() - start < TIME_LIMIT / 5
    assert len(parsed.problems) == PROBLEMS_LIMIT + 1
    last = parsed.problems[-1]
    assert (str(last.location), last.message.split(":")[0]) == (
        f"h.h:1:{PROBLEMS_LIMIT + 1}",
        f"{PROBLEMS_LIMIT} problems already",
    )


# ------------------------------------------------------------ linter comments


@pytest.mark.parametrize(
    "text",
    [
        "#" + " x32" * 20_000 + "\n",  # each "x32" once rescanned the rest for "numbers N-M"
        "# Numbers 5 and above are " * 8_000 + "\n",
        "# " + "1" * 100_000 + "\n",  # `(\d+)\s+through` once rescanned the run from each digit
        # Every mark was once tried for every entry it does not stop: 36 million pairs.
        "# 5 reserved for foo\n" * 6_000 + "5 common foo sys_foo\n" * 6_000,
    ],
)
def test_lint_reads_comments_in_linear_time(cli: Cli, tmp_path: Path, text: str) -> None:
    table = tmp_path / "syscall.tbl"
    table.write_text(text)
    result = run_limited([cli.executable, "lint", str(table), "--abis", "common"], cli.env)
    assert result.status in (0, 1), result.error_lines()
    assert result.seconds < TIME_LIMIT / 2, f"{result.seconds:.1f} s"


def test_lint_stops_reading_a_table_after_its_limit_of_malformed_lines(cli: Cli, tmp_path: Path) -> None:
    """Each malformed line costs the linter a parse of its own: 65,536 of them once took 9 s."""
    table = tmp_path / "syscall.tbl"
    table.write_text("x\n" * (TABLE_BYTES_LIMIT // 2))
    result = run_limited([cli.executable, "lint", str(table), "--abis", "common"], cli.env)
    assert result.status == 1, result.error_lines()
    assert result.seconds < TIME_LIMIT / 5, f"{result.seconds:.1f} s"
    findings = [line for line in result.stdout.decode().splitlines() if " error: " in line]
    assert len(findings) == PROBLEMS_LIMIT + 1
    assert findings[-1].startswith(f"{table}:{PROBLEMS_LIMIT + 1}:1: error: {PROBLEMS_LIMIT} malformed lines")


_MARK_LINES = st.one_of(
    st.tuples(st.integers(0, 9), st.sampled_from(["", " for foo", " for sys_foo", " for bar.", " for baz"])).map(
        lambda m: f"# {m[0]} reserved{m[1]}"
    ),
    st.tuples(st.integers(0, 9), st.integers(0, 9)).map(lambda r: f"# {r[0]} through {r[1]} are reserved"),
    st.tuples(st.integers(0, 9), st.sampled_from(["foo", "bar", "baz"]), st.sampled_from(["sys_x", "-"])).map(
        lambda e: f"{e[0]} common {e[1]} {e[2]}"
    ),
)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_MARK_LINES, max_size=30))
def test_reserved_numbers_found_in_linear_time_are_those_found_pair_by_pair(lines: list[str]) -> None:
    """RSV001 no longer tries every mark for every entry; it must still pick the same mark for each."""
    with tempfile.TemporaryDirectory() as scratch:
        file = Path(scratch) / "syscall.tbl"
        file.write_text("".join(f"{line}\n" for line in lines))
        inputs = standalone_inputs([file], None)
        found = [(f.location.line, f.message) for f in run_lint(inputs, ["RSV001"])]
        (table,) = inputs.tables.values()
        expected: list[tuple[int, str]] = []
        marks = reservations(table)
        for entry in table.entries:  # the rule as it was: each mark in order, for each entry
            for mark in marks:
                if (
                    mark.low <= entry.number <= mark.high
                    and not is_placeholder(entry)
                    and not (mark.holder and mark.holder.removeprefix("sys_").rstrip(".,") == entry.name)
                ):
                    text = mark.comment.text.lstrip("#").strip()
                    expected.append(
                        (
                            entry.location.line,
                            f"number {entry.number} ({entry.name}) is reserved by the comment on line "
                            f"{mark.comment.location.line}: {text!r}",
                        )
                    )
                    break
        assert sorted(found) == sorted(expected)


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from(["x32", "X32 ", "numbers ", "Numbers 512-547", "5-", "12", "-7", "\n", " "])))
def test_x32_range_found_in_linear_time_is_the_one_the_regex_found(pieces: list[str]) -> None:
    text = "".join(pieces)
    old = re.search(r"x32.*?numbers\s+(\d+)-(\d+)", text, re.I | re.S)
    new = x32_legacy_match(text)
    assert (old and old.groups()) == (new and new.groups())


# ---------------------------------------------------------------- hypothesis

#: Runs each command in one process, under the limits, and reports every command's
#: status, cpu time and stderr: one interpreter start per example instead of one per command.
DRIVER = """
import io, json, resource, sys, time, traceback
from syscalltbl.cli.main import main

report = []
for argv, stdin_path in json.loads(sys.argv[1]):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    sys.stdin = io.TextIOWrapper(open(stdin_path, "rb") if stdin_path else io.BytesIO())
    sys.stdout, sys.stderr = out, err
    start = time.process_time()
    try:
        status = main(argv)
    except BaseException:
        status = -1
        err.write(traceback.format_exc())
    seconds = time.process_time() - start
    err.flush()
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    text = err.buffer.getvalue().decode("utf-8", "replace")
    report.append({"argv": argv, "status": status, "seconds": seconds, "stderr": text[-3000:]})
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"commands": report, "peak": peak}))
"""


def run_commands(cli: Cli, commands: list[tuple[list[str], str | None]]) -> dict[str, object]:
    result = run_limited([sys.executable, "-c", DRIVER, json.dumps(commands)], cli.env)
    assert result.status == 0, result.stderr.decode(errors="replace")[-3000:]
    report: dict[str, object] = json.loads(result.stdout)
    return report


def assert_bounded(report: dict[str, object], *, lint: tuple[str, ...] = ("lint",)) -> None:
    commands = report["commands"]
    assert isinstance(commands, list)
    for command in commands:
        argv, status, stderr = command["argv"], command["status"], command["stderr"]
        assert "Traceback" not in stderr, (argv, stderr)
        assert status in (0, 1), (argv, status, stderr)
        lines = stderr.splitlines()
        # The linter reports bad lines as findings on stdout; every other command fails with one line.
        if status == 1 and argv[0] not in lint:
            assert len(lines) == 1, (argv, lines)
        else:
            assert len(lines) <= 1, (argv, lines)
        # Cpu time: what a command costs the host, whatever else the host runs (the whole driver
        # still has TIME_LIMIT of wall time).
        assert command["seconds"] < TIME_LIMIT / 2, (argv, command["seconds"])
    peak = report["peak"]
    assert isinstance(peak, int) and peak < 400 * 2**20, peak


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=ts.hostile_tables())
def test_no_table_makes_any_command_slow_or_large(cli: Cli, text: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        table = Path(scratch) / "syscall.tbl"
        table.write_bytes(text.encode("utf-8", errors="surrogateescape"))
        out = str(Path(scratch) / "out.h")
        commands: list[tuple[list[str], str | None]] = [
            (["script", "syscalltbl", str(table), out], None),
            (["script", "syscallhdr", "--emit-nr", str(table), out], None),
            (["script", "arm-syscallnr", str(table), out], None),
            (["script", "mips-syscallnr", str(table), out, "common", "N64"], None),
            (["script", "s390-syscalltbl", "-H", "-S", "-N", "-a", "common,64"], str(table)),
            (["lint", str(table), "--abis", "common"], None),
        ]
        assert_bounded(run_commands(cli, commands))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=ts.hostile_headers())
def test_no_header_makes_any_command_slow_or_large(cli: Cli, text: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        headers = Path(scratch)
        (headers / "include" / "linux").mkdir(parents=True)
        (headers / "include" / "linux" / "syscalls.h").write_text(text)
        shutil.copy(headers / "include" / "linux" / "syscalls.h", headers / "include" / "linux" / "compat.h")
        commands: list[tuple[list[str], str | None]] = [
            (["show", "read", "--headers", str(headers)], None),
            (["lint", "--headers", str(headers), "--enable", "PRO"], None),
        ]
        assert_bounded(run_commands(cli, commands))


#: The most token-dense headers at the size limit, and those that once made the reader slow.
_DENSE_HEADERS = {
    "empty statements": ";" * HEADER_BYTES_LIMIT,  # 262,144 `;` once took 5 s a header
    "unclosed comments": "/* x" * (HEADER_BYTES_LIMIT // 4),  # each `/*` was searched to the end: 36 s
    "empty bodies": "{}" * (HEADER_BYTES_LIMIT // 2),
    "a long parameter list": "asmlinkage long f(" + "a," * ((HEADER_BYTES_LIMIT - 40) // 2) + "a);\n",
    "short declarations": "asmlinkage long f(a);" * (HEADER_BYTES_LIMIT // 21),
    "directives": "#\n" * (HEADER_BYTES_LIMIT // 2),
}


@pytest.mark.parametrize("text", _DENSE_HEADERS.values(), ids=_DENSE_HEADERS.keys())
def test_the_densest_headers_at_the_limit_are_read_in_seconds(cli: Cli, tmp_path: Path, text: str) -> None:
    """Two such headers (syscalls.h and compat.h), as `show` and `lint --headers` read them."""
    assert len(text) <= HEADER_BYTES_LIMIT
    linux = tmp_path / "include" / "linux"
    linux.mkdir(parents=True)
    (linux / "syscalls.h").write_text(text)
    (linux / "compat.h").write_text(text)
    commands: list[tuple[list[str], str | None]] = [
        (["show", "read", "--headers", str(tmp_path)], None),
        (["lint", "--headers", str(tmp_path), "--enable", "PRO"], None),
    ]
    assert_bounded(run_commands(cli, commands))


def test_an_endless_stdin_is_refused_without_reading_it_all(cli: Cli) -> None:
    # `yes` never ends: the script must stop one byte past the limit, not read until memory runs out.
    endless = subprocess.Popen(["yes", "0 common read sys_read"], stdout=subprocess.PIPE)
    try:
        start = time.monotonic()
        proc = subprocess.run([cli.executable, "script", "s390-syscalltbl", "-H"], stdin=endless.stdout,
                              capture_output=True, env=cli.env, timeout=TIME_LIMIT, preexec_fn=_limit_memory,
                              check=False)
    finally:
        endless.kill()
        endless.wait()
    assert (proc.returncode, proc.stdout) == (1, b"")
    assert proc.stderr.decode().startswith("syscalltbl script: error: <stdin>: input too large: more than 131072 bytes")
    assert time.monotonic() - start < TIME_LIMIT
