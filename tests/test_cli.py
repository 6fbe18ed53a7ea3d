"""Command lines and their exit codes, as a table (pypa/build style)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import Cli
from syscalltbl.cli.commands import NAMES
from syscalltbl.cli.main import main

CASES = [
    (["--help"], 0, ""),
    ([], 2, "required"),
    (["frobnicate"], 2, "invalid choice"),
    (["build", "--bogus"], 2, "unrecognized arguments"),
    (["build", "--arch", "vax"], 2, "unknown architecture vax"),
    (["build", "-C", "/nonexistent-project"], 1, "not a syscalltbl project"),
    (["script"], 1, "expected TOOL"),
    (["script", "nosuchtool"], 1, "unknown script"),
    (["script", "syscalltbl", "--abis"], 1, "--abis: missing argument"),
    (["script", "syscalltbl", "--abis", "common|64", "a", "b"], 1, "invalid ABI name"),
    (["script", "syscallhdr", "--emit-nr", "only-input"], 1, "expected INFILE and OUTFILE"),
    (["script", "arm-syscallnr", "x"], 1, "expected INFILE and OUTFILE"),
    (["script", "mips-syscallnr"], 1, "expected INFILE and OUTFILE"),
    (["script", "s390-syscalltbl", "-Z"], 1, "Invalid option specified"),
    (["script", "s390-syscalltbl", "-a"], 1, "Missing argument for -a"),
]


@pytest.mark.parametrize(("argv", "status", "message"), CASES, ids=[" ".join(c[0]) or "<none>" for c in CASES])
def test_exit_codes(argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == status
    captured = capsys.readouterr()
    assert message in captured.err + captured.out


def test_build_arch_selects_its_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "-o", str(tmp_path), "--arch", "s390", "--arch", "arm"]) == 0
    assert capsys.readouterr().out == "syscalltbl build: 9 written, 0 unchanged, 0 failed\n"
    produced = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert produced == sorted(
        ["unistd_32.h", "unistd_64.h", "syscall_table.h", "unistd_nr.h", "unistd-oabi.h", "unistd-eabi.h",
         "unistd-nr.h", "calls-oabi.S", "calls-eabi.S"]
    )


def test_s390_modes_run_in_the_scripts_order_and_share_stdin(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    import io
    import sys

    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b"1 common exit sys_exit sys_exit\n"))
    try:
        assert main(["script", "s390-syscalltbl", "-N", "-H"]) == 0
    finally:
        sys.stdin = saved
    out = capsysbinary.readouterr().out.decode()
    # -H runs first and reads standard input to its end; -N then sees no table.
    assert out.index("#ifndef _UAPI_ASM_S390_SYSCALLS_64\n") < out.index("NR_syscalls 1\n")
    assert "#define __NR_exit 1" in out


def test_a_closed_pipe_is_not_a_traceback(cli: Cli) -> None:
    import subprocess

    proc = subprocess.run(
        f"'{cli.executable}' export --format csv | head -1", shell=True, capture_output=True, env=cli.env, check=False
    )
    assert proc.stdout.count(b"\n") == 1
    assert b"Traceback" not in proc.stderr and b"BrokenPipe" not in proc.stderr


def test_an_unwritable_cache_costs_speed_not_the_command(cli: Cli, tmp_path: Path) -> None:
    # /proc refuses new directories to everyone, root included: the cache cannot be made there.
    env = {**cli.env, "XDG_CACHE_HOME": "/proc/no-cache-here"}
    uncached = Cli(cli.executable, env)
    show = uncached.run("show", "getpid", "--arch", "x86")
    assert (show.returncode, show.stderr) == (0, b"") and b"sys_getpid" in show.stdout
    build = uncached.run("build", "-o", tmp_path / "out", "--group", "kernel")
    assert (build.returncode, build.stderr) == (0, b""), build.stderr
    program = tmp_path / "prog.py"
    program.write_text("from syscalltbl import libc\nlibc.write(1, b'hi\\n', 3)\n")
    run = uncached.run("run", program)  # the kernel image is built, and kept, somewhere else
    assert (run.returncode, run.stdout, run.stderr) == (0, b"hi\n", b"")


def test_two_tables_on_one_file_is_an_error_not_a_double_edit(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert cli.run("init", project).returncode == 0
    meta = project / "arch" / "tables.toml"
    meta.write_text(meta.read_text().replace('file = "alpha/kernel/syscalls/syscall.tbl"',
                                             'file = "arm/tools/syscall.tbl"'))
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    for argv in (["add-syscall", "--all-arches", "dupme"], ["build", "-o", str(tmp_path / "out")]):
        proc = cli.run(*argv, cwd=project)
        assert (proc.returncode, proc.stderr.decode()) == (
            1, f"syscalltbl {argv[0]}: error: {meta}: [[table]] arch/alpha/kernel/syscalls/syscall.tbl and "
            "arch/arm/tools/syscall.tbl name the same file arm/tools/syscall.tbl: make one of them an [[alias]]\n")
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


# ---------------------------------------------------------------- the error convention

COMMAND_NAMES = ("build", "script", *NAMES)

#: An error line: `syscalltbl COMMAND: error: MESSAGE` (`syscalltbl: error:` at the top level),
#: or at a position in a file `FILE:LINE:COLUMN: error: MESSAGE`.
ERROR_LINE = re.compile(
    r"(?P<program>syscalltbl)(?: (?P<command>[a-z-]+))?: error: \S.*|[^\s:][^:]*:\d+:\d+: error: \S.*"
)

#: Failing command lines of every command: argv ({tmp}, {project} filled in), exit status, and what the
#: error line says. `syscalltbl script` keeps the kernel scripts' exit 1 for usage errors.
FAILURES = [
    (["build", "--nosuch"], 2, "syscalltbl build: error: unrecognized arguments: --nosuch"),
    (["build", "--arch", "vax"], 2, "syscalltbl build: error: unknown architecture vax"),
    (["build", "-C", "{tmp}/nowhere"], 1, "syscalltbl build: error: {tmp}/nowhere: not a syscalltbl project"),
    (["build", "-o", "{tmp}/afile/out", "-C", "{project}"], 1,
     "syscalltbl build: error: {tmp}/afile/out: cannot create directory: Not a directory"),
    (["lint", "{tmp}/nope.tbl"], 2, "syscalltbl lint: error: no such file: {tmp}/nope.tbl"),
    (["show", "nosuch_call", "-C", "{project}"], 1, "syscalltbl show: error: unknown syscall 'nosuch_call'"),
    (["show", "read", "--arch", "vax", "-C", "{project}"], 2, "syscalltbl show: error: unknown architecture 'vax'"),
    (["show", "read", "--headers", "{tmp}/nowhere"], 2, "syscalltbl show: error: --headers {tmp}/nowhere: not a dir"),
    (["export", "-o", "{tmp}/nowhere/m.json"], 1,
     "syscalltbl export: error: {tmp}/nowhere: output directory does not exist"),
    (["export", "-o", "{tmp}/adir"], 1, "syscalltbl export: error: {tmp}/adir: Is a directory"),
    (["compat", "--results", "{tmp}/adir"], 1, "syscalltbl compat: error: {tmp}/adir: is a directory"),
    (["run"], 2, "syscalltbl run: error: the following arguments are required: PROGRAM"),
    (["run", "{tmp}/adir"], 126, "syscalltbl run: error: {tmp}/adir: Is a directory"),
    (["run", "{tmp}/nope"], 127, "syscalltbl run: error: {tmp}/nope: No such file or directory"),
    (["run", "syscalltbl-no-such-command"], 127,
     "syscalltbl run: error: syscalltbl-no-such-command: command not found"),
    (["run", "--root", "{tmp}/nowhere", "sh"], 2, "syscalltbl run: error: --root {tmp}/nowhere: not a directory"),
    (["fuzz", "--count", "-1"], 2, "syscalltbl fuzz: error: --count must be at least 0, got -1"),
    (["init", "{project}"], 1, "syscalltbl init: error: {project}: already holds arch/ or syscalls/"),
    (["init", "{tmp}/afile/p"], 1, "syscalltbl init: error: {tmp}/afile"),
    (["add-syscall", "getpid", "-C", "{project}"], 1, "syscalltbl add-syscall: error: getpid exists already"),
    (["add-syscall", "f", "--params", "int a,, int", "-C", "{project}"], 1,
     "syscalltbl add-syscall: error: --params:1:7: expected a parameter type, found ','"),
    (["remove-syscall", "nosuch_call", "-C", "{project}"], 1,
     "syscalltbl remove-syscall: error: {project}/arch: nosuch_call is in no table of this project"),
    (["add-device"], 2, "syscalltbl add-device: error: the following arguments are required: NAME"),
    (["add-device", "x", "--type", "zz"], 2, "syscalltbl add-device: error: argument --type: not a number: 'zz'"),
    (["add-device", "Bad!", "-C", "{project}"], 1, "syscalltbl add-device: error: 'Bad!' is not a device name"),
    (["script"], 1, "syscalltbl script: error: expected TOOL ARG...: TOOL is one of syscalltbl, syscallhdr"),
    (["script", "nosuchtool"], 1, "syscalltbl script: error: unknown script 'nosuchtool'"),
    (["script", "syscalltbl", "onlyone"], 1, "syscalltbl script: error: expected INFILE and OUTFILE"),
    (["script", "s390-syscalltbl", "-Z"], 1, "syscalltbl script: error: Invalid option specified"),
    (["script", "syscallhdr", "{tmp}/nope.tbl", "{tmp}/out.h"], 1,
     "syscalltbl script: error: {tmp}/nope.tbl: no such file"),
    (["script", "syscallhdr", "{tmp}/bad.tbl", "{tmp}/out.h"], 1, "{tmp}/bad.tbl:1:1: error: "),
    (["frobnicate"], 2, "syscalltbl: error: argument COMMAND: invalid choice: 'frobnicate'"),
]


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """{tmp}: a directory with a file, a directory and a malformed table in it; {project}: a project there."""
    from syscalltbl.build.addsyscall import init_project

    tmp = tmp_path_factory.mktemp("edges")
    (tmp / "afile").write_text("")
    (tmp / "adir").mkdir()
    (tmp / "bad.tbl").write_text("x common read sys_read\n")
    init_project(tmp / "project")
    return {"tmp": str(tmp), "project": str(tmp / "project")}


def assert_convention(stderr: bytes, argv: list[str]) -> str:
    """The error line, after checking the rest: no traceback, at most the command's own usage before it."""
    text = stderr.decode()
    assert "Traceback" not in text, text
    *before, line = text.splitlines()
    match = ERROR_LINE.fullmatch(line)
    assert match is not None, text
    command = argv[0] if argv and argv[0] in COMMAND_NAMES else None
    if match.group("program") is not None:  # the top level's errors name no command
        assert match.group("command") == command, text
    if before:  # a usage error: the subcommand's own usage, never the top level's
        assert before[0].startswith(f"usage: syscalltbl {command or ''}".rstrip() + " "), text
        if argv != ["script"]:  # which prints all of `script --help`: its usage is the list of tools
            assert all(more.startswith(" ") for more in before[1:]), text  # argparse's continued usage
    return line


@pytest.mark.parametrize(("argv", "status", "expected"), FAILURES, ids=[" ".join(f[0]) or "<none>" for f in FAILURES])
def test_every_error_is_one_line_in_the_convention(
    cli: Cli, places: dict[str, str], argv: list[str], status: int, expected: str
) -> None:
    argv = [arg.format(**places) for arg in argv]
    proc = cli.run(*argv, cwd=Path(places["tmp"]))
    line = assert_convention(proc.stderr, argv)
    assert proc.returncode == status, proc.stderr
    assert line.startswith(expected.format(**places)), line


@pytest.mark.parametrize("argv", [["build", "--nosuch"], ["export", "--nosuch"], ["show", "read", "x", "y"],
                                  ["lint", "--nosuch"], ["run", "--env-clear", "--nosuch"]],
                         ids=lambda argv: " ".join(argv))
def test_a_usage_error_prints_the_subcommands_own_usage(cli: Cli, argv: list[str]) -> None:
    proc = cli.run(*argv)
    assert proc.returncode == 2
    usage, *_ = proc.stderr.decode().splitlines()
    assert usage.startswith(f"usage: syscalltbl {argv[0]} ["), proc.stderr


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_every_command_help_has_a_description(cli: Cli, command: str) -> None:
    proc = cli.run(command, "--help")
    assert (proc.returncode, proc.stderr) == (0, b"")
    # argparse's layout: the usage, a blank line, then the description before the first list of arguments.
    blocks = proc.stdout.decode().split("\n\n")
    assert blocks[0].startswith(f"usage: syscalltbl {command}")
    description = blocks[1].splitlines()[0] if len(blocks) > 1 else ""
    # Not the heading of an argument list ("options:", "positional arguments:").
    assert description.strip() and not description.endswith(":"), proc.stdout


# ---------------------------------------------------------------- syscalltbl script --help


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_script_help_lists_each_tool_with_its_arguments(cli: Cli, flag: str) -> None:
    from syscalltbl.generators.scripts import REPLACES, SYNOPSIS, TOOLS, TOUCH_UNCHANGED

    proc = cli.run("script", flag)
    assert (proc.returncode, proc.stderr) == (0, b"")
    lines = proc.stdout.decode().splitlines()
    assert lines[0] == f"usage: syscalltbl script [{TOUCH_UNCHANGED}] TOOL ARG..."
    assert any(line.startswith(f"  {TOUCH_UNCHANGED}  ") for line in lines)
    for tool in TOOLS:
        at = lines.index(f"  {tool} {SYNOPSIS[tool]}")
        assert lines[at + 1].strip() == REPLACES[tool]


def test_script_without_a_tool_lists_the_tools_and_fails_as_the_scripts_do(cli: Cli) -> None:
    from syscalltbl.generators.scripts import SYNOPSIS

    proc = cli.run("script")
    assert (proc.returncode, proc.stdout) == (1, b"")
    text = proc.stderr.decode()
    assert f"  syscallhdr {SYNOPSIS['syscallhdr']}\n" in text
    assert_convention(proc.stderr, ["script"])


def test_a_tools_usage_error_prints_its_synopsis(cli: Cli) -> None:
    proc = cli.run("script", "syscallhdr", "--emit-nr", "only-input")
    assert (proc.returncode, proc.stderr.decode()) == (
        1, "usage: syscalltbl script syscallhdr [--abis ABIS] [--emit-nr] [--offset OFFSET] [--prefix PREFIX] "
        "INFILE OUTFILE\nsyscalltbl script: error: expected INFILE and OUTFILE\n")


# ---------------------------------------------------------------- syscalltbl run: naming PROGRAM

ONLY_IN_ROOT = "syscalltbl-only-in-root"


@pytest.mark.parametrize("program", [f"bin/{ONLY_IN_ROOT}", f"/bin/{ONLY_IN_ROOT}"])
def test_a_program_path_only_the_root_holds_gets_a_hint(cli: Cli, tmp_path: Path, program: str) -> None:
    inside = tmp_path / "root" / "bin" / ONLY_IN_ROOT
    inside.parent.mkdir(parents=True)
    inside.write_text("#!/bin/sh\n")
    inside.chmod(0o755)
    assert not Path(program).exists()
    proc = cli.run("run", "--root", "root", program, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (127, b"")
    assert proc.stderr.decode() == (
        f"syscalltbl run: error: {program}: No such file or directory (a PROGRAM with a slash is a host path, "
        f"and root/bin/{ONLY_IN_ROOT} is the file inside --root: give that path, or the bare name {ONLY_IN_ROOT}, "
        "which is looked up in the machine's PATH)\n")


@pytest.mark.parametrize(("argv", "status", "message"), [
    ([], 2, "the following arguments are required: PROGRAM"),
    (["{tmp}"], 126, "{tmp}: Is a directory"),
    (["./missing"], 127, "./missing: No such file or directory"),
    (["missing.py"], 127, "missing.py: No such file or directory"),  # a .py is a host file, slash or not
    (["package.py"], 126, "package.py: Is a directory"),
], ids=["no-program", "a-directory", "missing", "missing-python", "a-directory-python"])
def test_run_names_what_is_wrong_with_program(
    cli: Cli, tmp_path: Path, argv: list[str], status: int, message: str
) -> None:
    (tmp_path / "package.py").mkdir()
    proc = cli.run("run", *(arg.format(tmp=tmp_path) for arg in argv), cwd=tmp_path)
    assert proc.returncode == status
    lines = proc.stderr.decode().splitlines()
    assert lines[-1] == f"syscalltbl run: error: {message.format(tmp=tmp_path)}"
    if status == 2:
        assert lines[0].startswith("usage: syscalltbl run [")


# ---------------------------------------------------------------- add-syscall --params


@pytest.mark.parametrize(("params", "message"), [
    ("int a,, int", "--params:1:7: expected a parameter type, found ','"),
    ("int a,", "--params:1:7: expected a parameter type, found the end of the parameters"),
    (", int a", "--params:1:1: expected a parameter type or ')', found ','"),
    ("int a = 3", "--params:1:7: expected ',' or ')', found '='"),
    ("int a[3]]", "--params:1:9: expected ',' or ')', found ']'"),
    ("int a[", "--params:1:7: expected an array size or ']', found the end of the parameters"),
    ("int a), int b", "--params:1:6: ')' closes the parameter list early"),
    ("int a,\n  , int b", "--params:2:3: expected a parameter type, found ','"),
])
def test_params_that_do_not_parse_are_named_at_their_column(
    cli: Cli, places: dict[str, str], params: str, message: str
) -> None:
    proc = cli.run("add-syscall", "my_func", "--params", params, "-C", places["project"])
    assert (proc.returncode, proc.stdout) == (1, b"")
    assert proc.stderr.decode() == f"syscalltbl add-syscall: error: {message}\n"


# -- `run PROGRAM [ARG...]` without argparse (commands/run.py's plain_arguments) --

PLAIN_RUNS = [
    ["/bin/busybox", "true"],
    ["prog"],
    ["a program with spaces", "x=y", "ARG 2", "sh"],
    ["ls", "long", "list", "of", "words", "ending", "in", "a", "path/"],
    ["--env-clear", "--env=PATH=/usr/bin:/bin", "--env=LC_ALL=C", "/bin/busybox", "true"],
    ["--env", "A=1", "--env-clear", "--env=B==2", "--cwd", "/tmp", "--root=/", "prog", "x"],
    ["--cwd=/a", "--cwd", "/b", "--root", "/srv", "--root=/", "--env", "NOT_K_V", "prog"],
]
NOT_PLAIN = [
    [],
    ["--trace", "/bin/true"],
    ["/bin/ls", "-l"],
    ["/bin/echo", "--", "x"],
    ["-"],
    ["", "x"],
    ["prog", ""],
    ["/bin/busybox", "sh", "-c", "true"],
    ["--env"],
    ["--env", "A=1"],
    ["--env", "-x", "prog"],
    ["--env=", "prog"],
    ["--env-clear=1", "prog"],
    ["--env-c", "prog"],
    ["--root", "/", "--empty-root", "prog"],
    ["--trace", "--env=A=1", "prog"],
    ["--env=A=1", "prog", "--trace"],
]


@pytest.mark.parametrize("argv", PLAIN_RUNS, ids=[" ".join(a) for a in PLAIN_RUNS])
def test_a_plain_run_has_argparses_namespace_without_argparse(argv: list[str]) -> None:
    from syscalltbl.cli.commands import run
    from syscalltbl.cli.parser import build_parser

    plain = run.plain_arguments(argv)
    assert plain is not None
    assert vars(plain) == vars(build_parser("run").parse_args(["run", *argv]))


@pytest.mark.parametrize("argv", NOT_PLAIN, ids=[" ".join(a) or "<none>" for a in NOT_PLAIN])
def test_a_run_with_an_option_or_a_dash_is_argparses(argv: list[str]) -> None:
    from syscalltbl.cli.commands import run

    assert run.plain_arguments(argv) is None


def test_a_plain_run_imports_no_argparse() -> None:
    import subprocess
    import sys

    code = ("import sys; from syscalltbl.cli.main import main; status = main(['run', '/bin/busybox', 'true']); "
            "print(status, 'argparse' in sys.modules)")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert proc.stdout.split() == ["0", "False"]
