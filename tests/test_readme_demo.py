"""The README's runtime demo, command for command: build, gcc, run --trace."""

from __future__ import annotations

import subprocess
from pathlib import Path

from support import REPO, Cli


def test_build_compile_and_run_hello(cli: Cli, tmp_path: Path) -> None:
    assert cli.run("build", "--group", "runtime", "-o", "out", cwd=tmp_path).returncode == 0
    user = tmp_path / "out" / "runtime" / "x86_64" / "user"
    gcc = subprocess.run(
        [
            "gcc",
            "-static",
            "-nostdlib",
            "-fno-builtin",
            "-fno-stack-protector",
            "-no-pie",
            "-I",
            str(user),
            "-o",
            "hello",
            str(REPO / "examples" / "hello.c"),
            str(user / "crt0.S"),
            str(user / "stubs.S"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert gcc.returncode == 0, gcc.stderr
    proc = cli.run("run", "--trace", "./hello", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b"hello, world\n"
    assert proc.stderr.decode().splitlines()[-3:] == [
        'write(1, "hello, world\\n", 13) = 13', "exit_group(0) = ?", "+++ exited with 0 +++"
    ]


README_PROGRAM = """from syscalltbl import libc

message = f"hello from pid {libc.getpid()}\\n".encode()   # the machine's pid under `syscalltbl run`
libc.write(1, message, len(message))
"""


def test_python_program_on_the_machine_and_on_the_host(cli: Cli, tmp_path: Path) -> None:
    assert README_PROGRAM in (REPO / "README.md").read_text()
    program = tmp_path / "prog.py"
    program.write_text(README_PROGRAM)
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


def _readme_block(after: str) -> list[str]:
    """The lines of the README's console block that follow the line `after`."""
    text = (REPO / "README.md").read_text()
    start = text.index(after + "\n") + len(after) + 1
    return text[start : text.index("```", start)].splitlines()


def _busybox_root(tmp_path: Path, *applets: str) -> Path:
    """The README's root/: busybox in bin/ with a link per applet, and an empty etc/."""
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "bin" / "busybox").write_bytes(Path("/bin/busybox").read_bytes())
    (root / "bin" / "busybox").chmod(0o755)
    for applet in applets:
        (root / "bin" / applet).symlink_to("busybox")
    return root


def test_busybox_pipeline_and_its_trace_as_the_readme_shows(cli: Cli, tmp_path: Path) -> None:
    root = _busybox_root(tmp_path, "sh", "cat", "wc")
    (root / "etc" / "motd").write_text("hello from the root\n")
    command = ["--root", "root", "--env-clear", "--env", "PATH=/bin"]
    proc = cli.run("run", *command, "sh", "-c", "cat /etc/motd | wc -c", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, b"20\n")
    traced = cli.run("run", *command, "--trace", "sh", "-c", "cat /etc/motd | wc -c", cwd=tmp_path)
    lines = traced.stderr.decode().splitlines()
    shown = _readme_block(
        "$ syscalltbl run --root root --env-clear --env PATH=/bin --trace sh -c 'cat /etc/motd | wc -c'"
    )
    # In order, every line the README shows; stdout was a terminal there and is a pipe here.
    expected = [x for x in shown if x not in ("...", "20") and "newfstatat(1," not in x]
    assert len(expected) > 30
    at = 0
    for line in expected:
        assert line in lines[at:], line
        at = lines.index(line, at) + 1


def test_ps_and_proc_as_the_readme_shows(cli: Cli, tmp_path: Path) -> None:
    root = _busybox_root(tmp_path, "sh", "ps", "sleep", "grep")
    for name in ("passwd", "group"):
        (root / "etc" / name).write_bytes((Path("/etc") / name).read_bytes())
    script = """sleep 1 & ps; grep -E "^(State|PPid|SigIgn)" /proc/$!/status; kill $!"""
    proc = cli.run("run", "--root", "root", "--env-clear", "--env", "PATH=/bin", "sh", "-c", script, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines() == _readme_block(f"    '{script}'")
