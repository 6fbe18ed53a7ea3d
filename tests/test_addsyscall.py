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
        (["my_func", "--params", "int a,,"], "syscalltbl add-syscall: error: --params:1:7: expected a parameter type, "
         "found ','\n"),
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


RECORD = Path("arch/added-syscalls.toml")


def test_the_record_holds_what_add_syscall_added(project: Path) -> None:
    import hashlib
    import tomllib

    assert cli("add-syscall", "my_func", "--params", "int a", "--all-arches", "-C", project).returncode == 0
    record = tomllib.loads((project / RECORD).read_text())
    added = record["syscalls"]["my_func"]
    assert added["implementation"] == "syscalls/my_func.py"
    assert added["implementation_sha256"] == hashlib.sha256((project / "syscalls/my_func.py").read_bytes()).hexdigest()
    assert added["prototype"] == "asmlinkage long sys_my_func(int a);"
    assert len(added["lines"]) == 17
    assert added["lines"]["arch/x86/entry/syscalls/syscall_64.tbl"] == "470\tcommon\tmy_func\t\t\tsys_my_func"
    assert added["lines"]["arch/alpha/kernel/syscalls/syscall.tbl"] == "580\tcommon\tmy_func\t\t\t\tsys_my_func"
    for table, line in added["lines"].items():
        assert f"\n{line}\n" in (project / table).read_text()


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_remove_refuses_a_kernel_syscall(project: Path, force: list[str]) -> None:
    before = snapshot(project)
    proc = cli("remove-syscall", *force, "getpid", "-C", project)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == (f"{project / T64}:51:1: error: getpid is a kernel system call, not one add-syscall added: "
                           "remove-syscall removes only those (edit the tables by hand to drop a kernel one)\n")
    assert snapshot(project) == before


def test_remove_keeps_an_edited_implementation_unless_forced(project: Path) -> None:
    assert cli("add-syscall", "my_func", "--params", "int a", "-C", project).returncode == 0
    impl = project / "syscalls/my_func.py"
    edited = impl.read_text().replace("raise Errno(ENOSYS)  # until its body is written", "return a + 1")
    impl.write_text(edited)
    proc = cli("remove-syscall", "my_func", "-C", project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ("syscalltbl remove-syscall: warning: kept syscalls/my_func.py: edited since add-syscall "
                           "wrote it (--force removes it too)\n")
    assert "my_func" not in (project / T64).read_text() and "my_func" not in (project / HEADER).read_text()
    assert "my_func" not in (project / RECORD).read_text()
    assert impl.read_text() == edited
    # --force removes an edited one.
    assert cli("add-syscall", "other", "-C", project).returncode == 0
    other = project / "syscalls/other.py"
    other.write_text(other.read_text() + "# edited\n")
    forced = cli("remove-syscall", "--force", "other", "-C", project)
    assert (forced.returncode, forced.stderr) == (0, "")
    assert "--- a/syscalls/other.py\n+++ /dev/null\n" in forced.stdout
    assert not other.exists()


def test_remove_in_a_project_made_before_the_record(project: Path) -> None:
    assert cli("add-syscall", "my_func", "--params", "int a", "-C", project).returncode == 0
    (project / RECORD).unlink()
    before = snapshot(project)
    refused = cli("remove-syscall", "my_func", "-C", project)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == (
        f"syscalltbl remove-syscall: error: {project}: this project has no arch/added-syscalls.toml (it was made "
        "before syscalltbl recorded what add-syscall adds), so my_func's lines cannot be told from the kernel's; "
        "if add-syscall added my_func, `syscalltbl remove-syscall --force my_func` removes every table line named "
        "my_func, its prototype and syscalls/my_func.py\n")
    assert snapshot(project) == before
    still_kernel = cli("remove-syscall", "--force", "getpid", "-C", project)
    assert still_kernel.returncode == 1 and "getpid is a kernel system call" in still_kernel.stderr
    forced = cli("remove-syscall", "--force", "my_func", "-C", project)
    assert forced.returncode == 0, forced.stderr
    assert "my_func" not in (project / T64).read_text() and "my_func" not in (project / HEADER).read_text()
    assert not (project / "syscalls/my_func.py").exists()


def test_remove_refuses_a_line_the_record_lacks_unless_forced(project: Path) -> None:
    # A line put in by hand: neither the kernel's nor add-syscall's.
    table = project / T64
    table.write_text(table.read_text().replace("469\tcommon\tfile_setattr\t\tsys_file_setattr\n",
                                               "469\tcommon\tfile_setattr\t\tsys_file_setattr\n"
                                               "470\tcommon\tby_hand\t\t\tsys_by_hand\n"))
    before = snapshot(project)
    refused = cli("remove-syscall", "by_hand", "-C", project)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == (f"syscalltbl remove-syscall: error: {project / RECORD}: by_hand was not added by "
                              "add-syscall: "
                              "arch/added-syscalls.toml has no record of it; --force removes every table line named "
                              "by_hand, its prototype and syscalls/by_hand.py\n")
    assert snapshot(project) == before
    assert cli("remove-syscall", "--force", "by_hand", "-C", project).returncode == 0
    assert "\tby_hand\t" not in table.read_text()


def test_remove_takes_only_the_recorded_tables(project: Path) -> None:
    # arm_fadvise64_64 is the kernel's on arm only; add-syscall without --all-arches adds it to x86-64,
    # and remove-syscall takes it from there, never from arm's table.
    arm = project / "arch/arm/tools/syscall.tbl"
    arm_before = arm.read_bytes()
    assert cli("add-syscall", "arm_fadvise64_64", "-C", project).returncode == 0
    proc = cli("remove-syscall", "arm_fadvise64_64", "-C", project)
    assert proc.returncode == 0, proc.stderr
    assert "arm_fadvise64_64" not in (project / T64).read_text()
    assert arm.read_bytes() == arm_before and b"arm_fadvise64_64" in arm_before


def test_a_damaged_record_is_named_with_its_problem(project: Path) -> None:
    (project / RECORD).write_text("version = 1\n[syscalls.my_func\n")
    for argv in (["add-syscall", "my_func"], ["remove-syscall", "getpid"]):
        proc = cli(*argv, "-C", project)
        assert (proc.returncode, proc.stdout) == (1, "")
        assert proc.stderr == (f"{project / RECORD}:2:18: error: not a record of add-syscall: "
                               "Expected ']' at the end of a table declaration\n")


def test_a_file_edited_between_plan_and_write_stops_the_whole_change(project: Path) -> None:
    plan = plan_add(resolve(project), Request("my_func", "int a"))
    header = project / HEADER
    header.write_text(header.read_text() + "/* edited meanwhile */\n")
    before = snapshot(project)
    with pytest.raises(SyscalltblError) as stopped:
        plan.apply()
    assert str(stopped.value) == (f"syscalltbl: error: {header}: changed while this command ran: nothing was written; "
                                  "run it again")
    assert snapshot(project) == before


def test_a_header_that_is_not_utf8_is_named_at_its_byte(project: Path) -> None:
    header = project / HEADER
    lines = header.read_bytes().count(b"\n")
    header.write_bytes(header.read_bytes() + b"/* \xff */\n")
    proc = cli("add-syscall", "my_func", "-C", project)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"{header}:{lines + 1}:4: error: expected UTF-8 text, found byte 0xff\n"
