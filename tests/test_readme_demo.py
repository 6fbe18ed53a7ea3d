"""README.md, replayed: every console session is run and its printed lines compared with the commands' output.

The sessions run in README order in one directory, `~/demo` (a project made
by `syscalltbl init`, with the checkout's examples/ copied in), so a later
session sees what an earlier one made (root/, ./hello), as a reader's shell
would. Each command runs in bash from the directory the previous one left
(`cd` carries over inside a session; each session starts in ~/demo) with
stdout and stderr on one pipe, and must exit 0. A command with a
here-document (`cat > prog.py <<'EOF'`) takes the lines up to its delimiter
as its input, as the shell does; they are not output.

A command's output lines in the README are compared with what it printed,
line for line, after these normalizations and no others:

- a line `...` stands for any number of lines (none included);
- a command shown without output lines is not compared (its output is left out);
- the home directory is printed as `~`;
- `newfstatat(1, "", {...})` in a trace: the README's stdout was a terminal, here it is a pipe;
- the date of an `ls -l` line: it is when the file was written;
- `si_utime`/`si_stime` of a SIGCHLD in a trace: a child's cpu time, in ticks, grows with the host's load;
- measured figures: an `--ftrace` duration (`58.787 us`) and `--stats`' seconds
  column vary from run to run, so the README must say "measured" in the
  paragraph before a session that shows them; a session listed in
  MEASURED_SESSIONS (its figures depend on time) is not run, and must be
  marked the same way.

Figures in the README's prose are checked by test_prose_figures, each in
the sentence it appears in; those that are measurements are listed in
MEASURED_PROSE, and the paragraph stating each must name the command that
measured it. The last tests check what the README says reaches the host.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from debian_cache import linux_source_tree
from support import REPO, Cli, manifest

README = REPO / "README.md"


@dataclass(frozen=True)
class Command:
    """One `$ ` command of a console session (continuation lines kept) and the output lines shown after it."""

    text: str
    shown: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Session:
    """A ```console block: where it starts, the paragraph before it, and its commands."""

    line: int
    lead: str
    commands: tuple[Command, ...]


def console_sessions(text: str) -> list[Session]:
    lines = text.splitlines()
    sessions: list[Session] = []
    at = 0
    while at < len(lines):
        if lines[at] != "```console":
            at += 1
            continue
        start = at
        paragraph_end = start
        while paragraph_end > 0 and not lines[paragraph_end - 1].strip():
            paragraph_end -= 1
        paragraph_start = paragraph_end
        while paragraph_start > 0 and lines[paragraph_start - 1].strip() and "```" not in lines[paragraph_start - 1]:
            paragraph_start -= 1
        lead = " ".join(lines[paragraph_start:paragraph_end])
        at += 1
        commands: list[tuple[list[str], list[str], int]] = []
        while lines[at] != "```":
            if lines[at].startswith("$ "):
                typed = [lines[at][2:]]
                number = at + 1
                while typed[-1].endswith("\\"):
                    at += 1
                    typed.append(lines[at])
                delimiter = HEREDOC.search(typed[-1])
                if delimiter:  # a here-document (`cat > prog.py <<'EOF'`): typed too, up to its delimiter's line
                    while typed[-1] != delimiter[1]:
                        at += 1
                        typed.append(lines[at])
                commands.append((typed, [], number))
            else:
                assert commands, f"README.md:{at + 1}: output before the first command"
                commands[-1][1].append(lines[at])
            at += 1
        sessions.append(Session(start + 1, lead, tuple(Command("\n".join(t), tuple(s), n) for t, s, n in commands)))
        at += 1
    return sessions


#: A here-document's start (`<<'EOF'`, `<<EOF`, `<<-EOF`), not a here-string (`<<<`).
HEREDOC = re.compile(r"(?<!<)<<(?!<)-?\s*['\"]?(\w+)['\"]?")


# --- Normalization -----------------------------------------------------------

#: Figures that vary from run to run: the README must say they were measured.
MEASURED = (
    (re.compile(r" +\d+\.\d{3} us"), " <measured> us"),  # --ftrace's duration of a Python body
    (re.compile(r" +\d+\.\d{6} (\S+)$"), r" <measured> \1"),  # --stats' seconds column
)
#: What differs between the README's terminal and this test's pipe, or with the day the demo ran.
CIRCUMSTANTIAL = (
    (re.compile(r'newfstatat\(1, "", \{[^}]*\}'), 'newfstatat(1, "", {<stdout>}'),
    (re.compile(r" (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d ( \d{4}|\d\d:\d\d) "), " <date> "),
    # A child's cpu time in clock ticks: 0 on an idle host, 1 or more when others load its cpus.
    (re.compile(r"\bsi_(utime|stime)=\d+( /\* [\d.]+ s \*/)?"), r"si_\1=<ticks>"),
)
#: Sessions whose every figure depends on time or load: not run, and the README says they were measured.
MEASURED_SESSIONS = ("syscalltbl fuzz --seed 1 --count 100000",)


def normalize(line: str) -> str:
    for pattern, replacement in (*MEASURED, *CIRCUMSTANTIAL):
        line = pattern.sub(replacement, line)
    return line


def shows_measurement(line: str) -> bool:
    return any(pattern.search(line) for pattern, _ in MEASURED)


def mismatch(shown: list[str], printed: list[str]) -> str | None:
    """None when `printed` is `shown` (normalized, `...` matching any lines); else the first README line not found."""
    want = [normalize(line) for line in shown]
    got = [normalize(line) for line in printed]
    # Every position in `got` the lines of `want` read so far can end at.
    ends = {0}
    for i, line in enumerate(want):
        if line == "...":
            following = set(range(min(ends), len(got) + 1))
        else:
            following = {j + 1 for j in ends if j < len(got) and got[j] == line}
        if not following:
            j = min(ends)
            return (f"README output line {i + 1}: {line!r}\nprinted line {j + 1}: "
                    f"{got[j] if j < len(got) else '<end>'!r}\nprinted:\n" + "\n".join(printed))
        ends = following
    if len(got) not in ends:
        return f"printed more than the README shows, from line {max(ends) + 1}:\n" + "\n".join(printed[max(ends):])
    return None


# --- Replay ------------------------------------------------------------------


def _my_tables(home: Path, cli: Cli) -> None:
    assert cli.run("init", home / "my-tables").returncode == 0


def _kernel_tree(home: Path, cli: Cli) -> None:
    (home / "src").mkdir(exist_ok=True)
    (home / "src" / "linux").symlink_to(linux_source_tree())


def _one_table(home: Path, cli: Cli) -> None:
    """A table of one's own: x86-64's without its x32 lines, which `--abis common,64` would leave unselected."""
    table = home / "demo" / "path" / "to" / "syscall.tbl"
    table.parent.mkdir(parents=True)
    x86_64 = (home / "demo" / "arch" / "x86" / "entry" / "syscalls" / "syscall_64.tbl").read_text()
    table.write_text("".join(line for line in x86_64.splitlines(keepends=True) if "\tx32\t" not in line))


#: Files a command uses that the README does not show being made, by the start of the command.
PREPARE: dict[str, Callable[[Path, Cli], None]] = {
    "syscalltbl build -C ~/my-tables": _my_tables,
    "syscalltbl lint --tree ~/src/linux": _kernel_tree,
    "syscalltbl lint path/to/syscall.tbl": _one_table,
}


@dataclass(frozen=True)
class Ran:
    command: Command
    status: int
    printed: list[str]


@pytest.fixture(scope="module")
def replay(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[Ran]]:
    """Every console session's commands, run in README order: README line of the session -> what each printed."""
    # The runtime tests' helpers install gcc and busybox or fail; they live beside those tests, not on our path.
    if str(REPO / "tests" / "runtime") not in sys.path:
        sys.path.append(str(REPO / "tests" / "runtime"))
    from busybox import busybox, require

    require("gcc", "gcc")
    busybox()
    home = tmp_path_factory.mktemp("home")
    demo = home / "demo"
    assert cli.run("init", demo).returncode == 0
    shutil.copytree(REPO / "examples", demo / "examples")
    path = f"{Path(cli.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    env = {**cli.env, "HOME": str(home), "PATH": path}
    state = home / "cwd"
    results: dict[int, list[Ran]] = {}
    for session in console_sessions(README.read_text()):
        if any(session.commands[0].text.startswith(m) for m in MEASURED_SESSIONS):
            continue
        cwd = demo
        ran = results.setdefault(session.line, [])
        for command in session.commands:
            for prefix, prepare in PREPARE.items():
                if command.text.startswith(prefix):
                    prepare(home, cli)
            script = f"{command.text}\nstatus=$?\npwd > {state}\nexit $status\n"
            proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600, check=False)
            cwd = Path(state.read_text().strip())
            printed = proc.stdout.decode(errors="replace").replace(str(home), "~").splitlines()
            ran.append(Ran(command, proc.returncode, printed))
    return results


def python_program() -> str:
    """The README's Python program (its only ```python block)."""
    text = README.read_text()
    start = text.index("```python\n") + len("```python\n")
    return text[start : text.index("```", start)]


SESSIONS = console_sessions(README.read_text())


@pytest.mark.parametrize("session", SESSIONS, ids=[f"README.md:{s.line}" for s in SESSIONS])
def test_console_session_prints_what_the_readme_shows(session: Session, replay: dict[int, list[Ran]]) -> None:
    measured = any(shows_measurement(line) for c in session.commands for line in c.shown)
    if measured or session.line not in replay:
        assert "measured" in session.lead, (
            f"README.md:{session.line}: its figures are measurements: say so in the paragraph before it"
        )
    if session.line not in replay:
        return
    for ran in replay[session.line]:
        where = f"README.md:{ran.command.line}: $ {ran.command.text}"
        assert ran.status == 0, f"{where}: exit {ran.status}\n" + "\n".join(ran.printed)
        if ran.command.shown:
            problem = mismatch(list(ran.command.shown), ran.printed)
            assert problem is None, f"{where}\n{problem}"


def test_a_here_document_is_typed_not_output() -> None:
    text = "```console\n$ cat > f <<'EOF'\nhello\nEOF\n$ cat f\nhello\n```\n"
    [session] = console_sessions(text)
    assert [(c.text, c.shown) for c in session.commands] == [
        ("cat > f <<'EOF'\nhello\nEOF", ()),
        ("cat f", ("hello",)),
    ]


def test_every_prepared_command_is_in_the_readme() -> None:
    commands = [c.text for s in SESSIONS for c in s.commands]
    for prefix in (*PREPARE, *MEASURED_SESSIONS):
        assert any(c.startswith(prefix) for c in commands), f"{prefix!r} is no longer in README.md"


def test_the_comparison_can_fail() -> None:
    assert mismatch(["a", "...", "c"], ["a", "b", "b", "c"]) is None
    assert mismatch(["a", "...", "c"], ["a", "c"]) is None
    assert mismatch(["a", "c"], ["a", "b", "c"]) is not None
    assert mismatch(["syscalltbl build: 70 written"], ["syscalltbl build: 86 written"]) is not None
    assert mismatch([" 0)    58.787 us  |        sys_write();"], [" 0)    12.001 us  |        sys_write();"]) is None


# --- Figures in the prose ----------------------------------------------------


def prose() -> str:
    """README.md without its fenced blocks, each paragraph on one line."""
    kept, fenced = [], False
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            kept.append(line)
    return "\n\n".join(" ".join(p.split()) for p in "\n".join(kept).split("\n\n"))


def paragraph_with(fragment: str) -> str:
    found = [p for p in prose().split("\n\n") if fragment in p]
    assert found, f"README.md no longer says {fragment!r}"
    return found[0]


#: Prose figures that are measurements: the paragraph stating each names the command that measured it.
MEASURED_PROSE = {
    "2.5x the time of `qemu-x86_64` (1683 ms against 672 ms, 50x native":
        ".venv/bin/python benchmarks/bench_busybox.py",
    "105 emulated instructions per call against 103 for the system call":
        ".venv/bin/pytest -s tests/runtime/test_runtime_device.py::test_my_func_as_syscall_and_as_ioctl",
}


def test_measured_prose_figures_say_how() -> None:
    for figure, command in MEASURED_PROSE.items():
        assert f"measured with `{command}`" in paragraph_with(figure), figure


def test_prose_figures(cli: Cli, tmp_path: Path) -> None:
    built = cli.run("build", "-o", "out", cwd=tmp_path)
    summary = re.fullmatch(r"syscalltbl build: (\d+) written, 0 unchanged, 0 failed\n", built.stdout.decode())
    assert summary, built
    written = int(summary[1])
    runtime = sum(1 for f in (tmp_path / "out" / "runtime").rglob("*") if f.is_file())
    kernel = len(manifest())
    assert kernel + runtime == written
    paragraph_with(f"all {written} outputs: the kernel's {kernel} and the runtime group's {runtime}")
    paragraph_with(f"runs all {kernel} invocations through the installed CLI")

    rules = cli.run("lint", "--list-rules").stdout.decode().splitlines()
    paragraph_with(f"{len(rules)} rules, each a query on a networkx graph")

    collected = subprocess.run(
        [str(Path(cli.executable).parent / "pytest"), "--collect-only", "-q", "-p", "no:cacheprovider",
         str(REPO / "tests" / "runtime" / "test_runtime_busybox.py")],
        capture_output=True, text=True, check=False, env=cli.env,
    ).stdout
    cases = collected.count("::test_busybox_matches_native_and_qemu[")
    claimed = re.search(r"compares more than (\d+) applet and `sh -c` cases", prose())
    assert claimed and 0 < int(claimed[1]) < cases, (claimed, cases)

    # The entry and exit path of one call, as the --stats table the README shows (and the replay checks) counts it.
    stats = next(c for s in SESSIONS for c in s.commands if c.text.endswith("--stats sh -c 'cat /etc/motd | wc -c'"))
    per_call = {row.split()[-1]: int(row.split()[2]) for row in stats.shown if row.endswith((" write", " getpid"))}
    assert per_call["write"] == per_call["getpid"]
    paragraph_with(f"each process's calls, {per_call['write']} emulated instructions of entry and exit path for each")


# --- What reaches the host ---------------------------------------------------

#: Under `syscalltbl run`: open() is the host's, libc.open() the machine's: the host does not see what the machine
#: wrote, and the machine sees the host's file through its root (the host's /, copy-on-write).
REACH_PROGRAM = """import os
from syscalltbl import libc

with open("via-open", "w") as f:
    f.write("host\\n")
fd = libc.open("via-libc", os.O_CREAT | os.O_WRONLY, 0o644)
libc.write(fd, b"machine\\n", 8)
libc.close(fd)
fd = libc.open("via-libc", os.O_RDONLY, 0)
buffer = bytearray(16)
print(bytes(buffer[: libc.read(fd, buffer, 16)]).decode(), os.path.exists("via-libc"))
fd = libc.open(os.path.abspath("via-open"), os.O_RDONLY, 0)  # the machine's cwd is its /
print("the machine reads", bytes(buffer[: libc.read(fd, buffer, 16)]).decode(), end="")
"""


def test_a_python_program_reaches_the_host_except_through_libc(cli: Cli, tmp_path: Path) -> None:
    paragraph_with("only its `syscalltbl.libc` wrapper calls go to the machine, while its `open()`, `os.*`")
    (tmp_path / "prog.py").write_text(REACH_PROGRAM)
    proc = cli.run("run", "prog.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b"machine\n False\nthe machine reads host\n"
    assert (tmp_path / "via-open").read_text() == "host\n"
    assert not (tmp_path / "via-libc").exists()


def test_a_static_program_changes_only_the_machines_copy(cli: Cli, tmp_path: Path) -> None:
    paragraph_with("reads of the files of DIR, which is never written")
    if str(REPO / "tests" / "runtime") not in sys.path:
        sys.path.append(str(REPO / "tests" / "runtime"))
    from busybox import busybox

    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "etc").mkdir()
    shutil.copy(busybox(), root / "bin" / "busybox")
    (root / "bin" / "cat").symlink_to("busybox")
    (root / "etc" / "motd").write_text("hello from the root\n")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink()}
    script = "echo changed > /etc/motd && echo new > /etc/new && rm /bin/cat && busybox cat /etc/motd /etc/new"
    proc = cli.run("run", "--root", root, root / "bin" / "busybox", "sh", "-c", script, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, b"changed\nnew\n"), proc.stderr.decode()
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink()} == before
    assert (root / "bin" / "cat").is_symlink() and not (root / "etc" / "new").exists()


def test_python_program_on_the_machine_and_on_the_host(cli: Cli, tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(python_program())
    proc = cli.run("run", str(program), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b"hello from pid 1\n"
    host = subprocess.run([str(Path(cli.executable).parent / "python"), str(program)], capture_output=True, check=False)
    assert host.stdout.startswith(b"hello from pid ") and host.stdout != b"hello from pid 1\n"


def test_a_python_programs_error_shows_only_its_frames(cli: Cli, tmp_path: Path) -> None:
    program = tmp_path / "bad.py"
    program.write_text("from syscalltbl import libc\n\nlibc.getpid(1)\n")
    proc = cli.run("run", str(program), cwd=tmp_path)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err.startswith("Traceback") and f'File "{program}", line 3' in err and "runpy" not in err
    assert err.strip().splitlines()[-1].startswith("TypeError: ")
