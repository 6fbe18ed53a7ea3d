"""`syscalltbl run prog.py` inside a project: `from syscalltbl import libc` is that project's module, with the
calls `add-syscall` added, the same bytes `syscalltbl build` writes; outside a project, the shipped one."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import REPO, Cli

BODY = "    raise Errno(ENOSYS)  # until its body is written\n"
#: The student's program, as the README shows it.
PROGRAM = "from syscalltbl import libc\n\nprint(libc.my_func(2, 3))\n"


@pytest.fixture
def project(cli: Cli, tmp_path: Path) -> Path:
    """A project with my_func(a, b) added and its body written: `return a + b`. Not built."""
    assert cli.run("init", "proj", cwd=tmp_path).returncode == 0
    proj = tmp_path / "proj"
    added = cli.run("add-syscall", "my_func", "--params", "int a, int b", cwd=proj)
    assert added.returncode == 0, added.stderr.decode()
    impl = proj / "syscalls" / "my_func.py"
    assert BODY in impl.read_text()
    impl.write_text(impl.read_text().replace(BODY, "    return a + b\n"))
    return proj


def test_run_gives_a_program_the_projects_own_wrappers(cli: Cli, project: Path) -> None:
    (project / "prog.py").write_text(PROGRAM)
    ran = cli.run("run", "prog.py", cwd=project)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"5\n", b"")


def test_every_import_form_gets_the_module_build_writes(cli: Cli, project: Path) -> None:
    built = cli.run("build", "--group", "runtime", cwd=project)
    assert built.returncode == 0, built.stderr.decode()
    (project / "prog.py").write_text(
        "from pathlib import Path\n\n"
        "import syscalltbl.libc\n"
        "from syscalltbl import libc\n"
        "from syscalltbl.libc import my_func\n\n"
        "print(syscalltbl.libc is libc, my_func(-7, 10))\n"
        'print(Path(libc.__file__).read_bytes() == Path("build/runtime/x86_64/python/libc.py").read_bytes())\n'
    )
    ran = cli.run("run", "prog.py", cwd=project)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"True 3\nTrue\n", b"")


def test_a_call_added_after_the_build_is_there_without_another(cli: Cli, project: Path) -> None:
    assert cli.run("build", "--group", "runtime", cwd=project).returncode == 0
    added = cli.run("add-syscall", "my_other", "--params", "int a", cwd=project)
    assert added.returncode == 0, added.stderr.decode()
    (project / "prog.py").write_text(
        "from syscalltbl import libc\n\n"
        "try:\n    libc.my_other(1)\nexcept OSError as error:\n    print(error.strerror)\n"
    )
    ran = cli.run("run", "prog.py", cwd=project)  # its body is not written yet: ENOSYS, from the machine
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"Function not implemented\n", b"")


def test_outside_a_project_the_shipped_module_stays(cli: Cli, project: Path) -> None:
    (project / "prog.py").write_text(
        "from syscalltbl import libc\n\nprint(hasattr(libc, 'my_func'), libc.__file__)\n"
    )
    ran = cli.run("run", project / "prog.py", cwd=project.parent)
    shipped = REPO / "src" / "syscalltbl" / "libc.py"
    assert (ran.returncode, ran.stdout.decode(), ran.stderr) == (0, f"False {shipped}\n", b"")
