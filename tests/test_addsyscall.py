"""`syscalltbl init`, `add-syscall` and `remove-syscall` on a project of their own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syscalltbl.build.addsyscall import Request, init_project, plan_add
from syscalltbl.machine.project import load_handlers
from syscalltbl.tables import shipped
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.target import resolve

CLI = [sys.executable, "-m", "syscalltbl"]
T64 = Path("arch/x86/entry/syscalls/syscall_64.tbl")
HEADER = Path("arch/x86/include/syscalls_64.h")


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120, check=False)


def snapshot(base: Path) -> dict[str, bytes]:
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    base = tmp_path / "proj"
    init_project(base)
    return base


def test_init_copies_the_shipped_tables_and_makes_syscalls(tmp_path: Path) -> None:
    proc = cli("init", tmp_path / "p")
    assert proc.returncode == 0, proc.stderr
    arch = shipped.arch()
    for name in ("tables.toml", "abi-bases.toml", "lint-exceptions.toml", "x86/include/syscalls_64.h",
                 "x86/entry/syscalls/syscall_64.tbl", "generic/syscall.tbl"):
        assert (tmp_path / "p/arch" / name).read_bytes() == (arch / name).read_bytes()
    assert (tmp_path / "p/syscalls").is_dir()
    again = cli("init", tmp_path / "p")
    assert again.returncode == 1 and "already holds arch/ or syscalls/" in again.stderr


def test_add_prints_the_exact_diff_and_writes_it(project: Path) -> None:
    proc = cli("add-syscall", "my_func", "--params", "int a, const char __user *buf", "-C", project)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "--- a/arch/x86/entry/syscalls/syscall_64.tbl\n+++ b/arch/x86/entry/syscalls/syscall_64.tbl\n" in out
    # After 469, below the documented x32 range 512-547, aligned with tabs as the file is.
    assert " 469\tcommon\tfile_setattr\t\tsys_file_setattr\n+470\tcommon\tmy_func\t\t\tsys_my_func\n \n" in out
    assert "+/* syscalls/my_func.py (syscalltbl add-syscall) */\n" in out
    assert "+asmlinkage long sys_my_func(int a, const char __user *buf);\n" in out
    assert "--- /dev/null\n+++ b/syscalls/my_func.py\n" in out
    assert out.endswith("syscalltbl add-syscall: added my_func (arch/x86/entry/syscalls/syscall_64.tbl: 470)\n")
    table = (project / T64).read_text()
    assert "\n470\tcommon\tmy_func\t\t\tsys_my_func\n\n#\n# Due to a historical" in table
    assert "asmlinkage long sys_my_func(int a, const char __user *buf);\n\n#endif" in (project / HEADER).read_text()
    impl = (project / "syscalls/my_func.py").read_text()
    assert '@implements("sys_my_func")\ndef sys_my_func(t: Task, a: int, buf: int, *_: int) -> int:\n' in impl
    assert '    a, buf = c_args((a, buf), ("int", "const char __user *"))\n    raise Errno(ENOSYS)' in impl
    # The next one takes the next number.
    summary = plan_add(resolve(project), Request("other", "")).summary
    assert summary == "added other (arch/x86/entry/syscalls/syscall_64.tbl: 471)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["read", "--params", "int a"], "read exists already: "),
        (["my_func", "--params", "int a,,"], "--params 'int a,,' do not parse as C parameters"),
        (["my_func", "--params", "int"], "parameter 1 needs a name"),
        (["my_func", "--params", "int a, int b, int c, int d, int e, int f, int g"], "at most 6 arguments"),
        (["My-func"], "'My-func' is not a syscall name"),
        (["my_func", "--abi", "x32"], "--abi x32 is refused: the table says: 'Due to a historical design error, "
         "certain syscalls are numbered differently in x32 as compared to native x86_64.  These syscalls have "
         "numbers 512-547. Do not add new syscalls to this range.  Numbers 548 and above are available for "
         "non-x32 use.'"),
    ],
)
def test_refusals_change_nothing(project: Path, args: list[str], message: str) -> None:
    before = snapshot(project)
    proc = cli("add-syscall", *args, "-C", project)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert proc.stdout == ""
    assert snapshot(project) == before


def test_lint_errors_refuse(project: Path) -> None:
    # A duplicate number put in by hand: the lint's error on the edited table refuses the add.
    table = project / T64
    table.write_text(table.read_text().replace("469\tcommon\tfile_setattr", "468\tcommon\tfile_setattr"))
    before = snapshot(project)
    with pytest.raises(SyscalltblError, match=r"the lint would fail \(\d+ errors\), first: "):
        plan_add(resolve(project), Request("my_func", "int a"))
    assert snapshot(project) == before


def test_all_arches_one_number_with_each_tables_offset_and_compat(project: Path) -> None:
    plan = plan_add(resolve(project), Request("my_func", "int a", compat=True, all_arches=True))
    added = {c.path.relative_to(project).as_posix(): [ln for ln in (c.new or "").splitlines()
                                                       if "my_func" in ln and not ln.startswith(("/*", "asm"))]
             for c in plan.changes if c.path.suffix == ".tbl"}
    assert len(added) == 17
    assert added["arch/alpha/kernel/syscalls/syscall.tbl"] == ["580\tcommon\tmy_func\t\t\t\tsys_my_func"]
    assert added["arch/generic/syscall.tbl"] == ["470\tcommon\tmy_func\t\t\t\tsys_my_func\t\t\tcompat_sys_my_func"]
    assert added["arch/mips/kernel/syscalls/syscall_n32.tbl"] == ["470\tn32\tmy_func\t\t\t\tcompat_sys_my_func"]
    assert added["arch/mips/kernel/syscalls/syscall_n64.tbl"] == ["470\tn64\tmy_func\t\t\t\tsys_my_func"]
    compat = "sys_my_func\t\t\tcompat_sys_my_func"
    assert added["arch/s390/kernel/syscalls/syscall.tbl"] == [f"470  common\tmy_func\t\t\t{compat}"]
    assert added["arch/x86/entry/syscalls/syscall_32.tbl"] == [f"470\ti386\tmy_func\t\t\t{compat}"]
    assert added["arch/x86/entry/syscalls/syscall_64.tbl"] == ["470\tcommon\tmy_func\t\t\tsys_my_func"]
    assert added["arch/m68k/kernel/syscalls/syscall.tbl"] == ["470\tcommon\tmy_func\t\t\t\tsys_my_func"]


def test_abi_64(project: Path) -> None:
    plan = plan_add(resolve(project), Request("my_func", "void", abi="64"))
    assert "+470\t64\tmy_func\t\t\tsys_my_func\n" in plan.diff()


def test_remove_undoes_add(project: Path) -> None:
    before = snapshot(project)
    assert cli("add-syscall", "my_func", "--params", "int a", "--all-arches", "-C", project).returncode == 0
    proc = cli("remove-syscall", "my_func", "-C", project)
    assert proc.returncode == 0, proc.stderr
    assert "-470\tcommon\tmy_func\t\t\tsys_my_func\n" in proc.stdout
    assert "--- a/syscalls/my_func.py\n+++ /dev/null\n" in proc.stdout
    assert snapshot(project) == before
    again = cli("remove-syscall", "my_func", "-C", project)
    assert again.returncode == 1 and "my_func is in no table of this project" in again.stderr


def test_found_from_the_working_directory_never_the_installed_data(project: Path, tmp_path: Path) -> None:
    (project / "syscalls" / "deep").mkdir()
    proc = cli("add-syscall", "my_func", cwd=project / "syscalls" / "deep")
    assert proc.returncode == 0, proc.stderr
    assert (project / "syscalls/my_func.py").is_file()
    nowhere = tmp_path / "empty"
    nowhere.mkdir()
    proc = cli("add-syscall", "my_func", cwd=nowhere)
    assert proc.returncode == 1 and "no project here: run `syscalltbl init DIR` or pass -C DIR" in proc.stderr
    assert resolve(project).project == project
    refused = cli("add-syscall", "other", "-C", shipped.arch().parent)
    assert refused.returncode == 1 and "syscalltbl's own tables are never edited" in refused.stderr


def test_an_import_from_before_the_src_layout_names_its_new_module(project: Path) -> None:
    old = project / "syscalls" / "old.py"
    old.write_text('"""An older skeleton."""\n\nfrom syscalltbl.kernel_runtime.userproject import implements\n')
    with pytest.raises(SyscalltblError) as refused:
        load_handlers(project / "syscalls")
    moved = "syscalltbl.kernel_runtime.userproject moved: import from syscalltbl.machine.project instead"
    assert str(refused.value) == f"{old}:3:1: error: {moved}"
    (project / "prog.py").write_text("print('never')\n")
    ran = cli("run", "prog.py", cwd=project)
    assert (ran.returncode, ran.stdout, ran.stderr) == (1, "", f"{old}:3:1: error: {moved}\n")


def test_the_readme_command_updates_a_project_made_before_the_src_layout(project: Path) -> None:
    assert cli("add-syscall", "my_func", "--params", "int a", "-C", project).returncode == 0
    assert cli("add-device", "adder", "-C", project).returncode == 0
    files = [project / "syscalls" / "my_func.py", project / "devices" / "adder.py"]
    current = [f.read_text() for f in files]
    for f, text in zip(files, current, strict=True):
        f.write_text(
            text.replace("syscalltbl.machine.project", "syscalltbl.kernel_runtime.userproject")
            .replace("syscalltbl.machine.uapi.errno", "syscalltbl.kernel_runtime.errnos")
            .replace("syscalltbl.machine.kernel.", "syscalltbl.kernel_runtime.")
        )
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("### Projects made before the src/ layout") :]
    command = section[section.index("```sh\n") + len("```sh\n") : section.index("\n```\n")]
    subprocess.run(["bash", "-c", command], cwd=project, check=True)
    assert [f.read_text() for f in files] == current
