"""`syscalltbl show NAME|NUMBER`: lookups by name, entry point and number; prototypes; errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from export_fixtures import matrix, shipped_project, table_entry  # noqa: F401  (fixtures, used by name)

from fixtures_headers import linux_headers  # noqa: F401  (a fixture, used by name)
from syscalltbl.cli.main import main
from syscalltbl.export.matrix import Matrix
from syscalltbl.tables.project import Project


def _show(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["show", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _row(out: str, column: str) -> str:
    (line,) = [line for line in out.splitlines() if line.split(" ", 1)[0] == column]
    return line


def test_show_name_on_every_architecture(
    capsys: pytest.CaptureFixture[str],
    matrix: Matrix,  # noqa: F811
    shipped_project: Project,  # noqa: F811
) -> None:
    status, out, err = _show(capsys, "getpid")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "getpid (Linux 6.18.2)"
    assert lines[1].split() == ["ARCH/ABI", "NR", "ABSOLUTE", "ABI", "ENTRY", "POINT", "COMPAT", "NORETURN", "SOURCE"]
    present = [s.column for s, e in zip(matrix.selections, matrix.rows["getpid"], strict=True) if e is not None]
    assert [line.split(" ", 1)[0] for line in lines[2 : 2 + len(present)]] == present
    assert "not on: alpha" in lines
    x86_64 = table_entry(shipped_project, "arch/x86/entry/syscalls/syscall_64.tbl", "getpid", ("common",))
    assert _row(out, "x86/64").split() == [
        "x86/64", "39", "39", "common", "sys_getpid", f"arch/x86/entry/syscalls/syscall_64.tbl:{x86_64.location.line}",
    ]  # fmt: skip
    assert "1073741863 (0x40000027 = __X32_SYSCALL_BIT + 39)" in _row(out, "x86/x32")
    assert "4020 (0xfb4 = __NR_O32_Linux + 20)" in _row(out, "mips/o32")
    assert "5038 (0x13ae = __NR_64_Linux + 38)" in _row(out, "mips/n64")
    assert "9437204 (0x900014 = __NR_OABI_SYSCALL_BASE + 20)" in _row(out, "arm/oabi")
    assert _row(out, "arm/eabi").split()[:3] == ["arm/eabi", "20", "20"]
    assert _row(out, "arm64/64").split()[-1] == "scripts/syscall.tbl:" + str(
        table_entry(shipped_project, "scripts/syscall.tbl", "getpid", ("common",)).location.line
    )
    # The project ships the prototype header of its x86-64 runtime.
    assert "sys_getpid  long sys_getpid(void)  x86/include/syscalls_64.h:" in out


def test_show_compat_and_noreturn(capsys: pytest.CaptureFixture[str], shipped_project: Project) -> None:  # noqa: F811
    status, out, _ = _show(capsys, "exit", "--arch", "x86")
    assert status == 0
    entry = table_entry(shipped_project, "arch/x86/entry/syscalls/syscall_64.tbl", "exit", ("common",))
    assert entry.noreturn
    assert _row(out, "x86/64").split()[:7] == [
        "x86/64", "60", "60", "common", "sys_exit", entry.compat_entry_point, "noreturn",
    ]  # fmt: skip
    status, out, _ = _show(capsys, "rt_sigaction", "--arch", "x86/i386")
    assert status == 0
    i386 = table_entry(shipped_project, "arch/x86/entry/syscalls/syscall_32.tbl", "rt_sigaction", ("i386",))
    assert _row(out, "x86/i386").split()[:6] == [
        "x86/i386", str(i386.number), str(i386.number), "i386", i386.entry_point, i386.compat_entry_point,
    ]  # fmt: skip
    assert len([line for line in out.splitlines() if line.startswith("x86/")]) == 1


def test_show_number_across_architectures(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _show(capsys, "39", "--arch", "x86")
    assert status == 0
    assert out.splitlines()[0] == "39: getpid, mkdir (Linux 6.18.2)"
    assert _row(out, "x86/i386").split()[:3] == ["x86/i386", "mkdir", "39"]
    assert _row(out, "x86/64").split()[:3] == ["x86/64", "getpid", "39"]
    assert _row(out, "x86/x32").split()[:3] == ["x86/x32", "getpid", "39"]


def test_show_absolute_number(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _show(capsys, "0x40000027")
    assert status == 0
    rows = [line for line in out.splitlines()[2:] if line and not line.startswith(("prototypes", "classes:", " "))]
    assert [r.split()[:3] for r in rows] == [["x86/x32", "getpid", "39"]]
    status, out, _ = _show(capsys, "4020", "--arch", "mips")
    assert status == 0
    assert [line.split()[:2] for line in out.splitlines() if line.startswith("mips/")] == [["mips/o32", "getpid"]]


def test_show_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _show(capsys, "compat_sys_x32_rt_sigreturn")
    assert status == 0
    assert out.splitlines()[0] == "compat_sys_x32_rt_sigreturn: rt_sigreturn (Linux 6.18.2)"
    assert _row(out, "x86/x32").split()[:3] == ["x86/x32", "rt_sigreturn", "513"]


def test_show_prototypes_from_headers(
    capsys: pytest.CaptureFixture[str],
    linux_headers: Path,  # noqa: F811
) -> None:
    status, out, err = _show(capsys, "read", "--headers", str(linux_headers), "--arch", "x86")
    assert status == 0, err
    # An independent look at the header: the line holding the declaration.
    text = (linux_headers / "include" / "linux" / "syscalls.h").read_text(encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if re.match(r"asmlinkage long sys_read\(", t))
    assert re.search(
        rf"^  sys_read\s+long sys_read\(unsigned int fd, char __user \*buf, size_t count\)\s+"
        rf"include/linux/syscalls\.h:{line}$",
        out,
        re.M,
    ), out
    status, out, _ = _show(capsys, "getpid", "--headers", str(linux_headers))
    assert re.search(r"^  sys_getpid\s+long sys_getpid\(void\)\s+include/linux/syscalls\.h:\d+$", out, re.M), out
    status, out, _ = _show(capsys, "rt_sigaction", "--headers", str(linux_headers), "--arch", "x86")
    assert re.search(r"^  compat_sys_rt_sigaction\s+long compat_sys_rt_sigaction\(.*include/linux/compat\.h:\d+$",
                     out, re.M), out  # fmt: skip


def test_show_prototypes_a_project_ships(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    arch = tmp_path / "arch"
    (arch / "include" / "linux").mkdir(parents=True)
    (arch / "include" / "linux" / "syscalls.h").write_text("asmlinkage long sys_foo(int __user *p, loff_t off);\n")
    (arch / "t.tbl").write_text("0\tcommon\tfoo\tsys_foo\n")
    (arch / "tables.toml").write_text(
        '[[table]]\nkernel_path = "arch/toy/syscall.tbl"\nfile = "t.tbl"\n\n'
        '[[output]]\narch = "toy"\ngenerator = "syscalltbl"\ninput = "arch/toy/syscall.tbl"\n'
        'argv = ["{input}", "{output}"]\npath = "arch/toy/syscall_table.h"\n'
    )
    status, out, err = _show(capsys, "foo", "-C", str(tmp_path))
    assert status == 0, err
    assert out.splitlines()[0] == "foo"
    prototype = r"long sys_foo\(int __user \*p, loff_t off\)"
    assert re.search(rf"^  sys_foo\s+{prototype}\s+include/linux/syscalls\.h:1$", out, re.M), out


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["getpidd"], 1, "unknown syscall 'getpidd' (did you mean getpid"),
        (["getpid", "--arch", "alpha"], 1, "getpid is not a syscall of alpha"),
        (["99999"], 1, "no syscall has number 99999 on any architecture"),
        (["getpid", "--arch", "vax"], 2, "unknown architecture 'vax'"),
        (["getpid", "--headers", "/nonexistent-headers"], 2, "not a directory"),
        ([], 2, "required"),
        (["getpid", "--bogus"], 2, "unrecognized arguments"),
    ],
)
def test_show_errors(capsys: pytest.CaptureFixture[str], argv: list[str], status: int, message: str) -> None:
    got, out, err = _show(capsys, *argv)
    assert got == status
    assert message in err
    assert out == ""


def test_show_headers_without_prototypes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = _show(capsys, "getpid", "--headers", str(tmp_path))
    assert status == 2
    assert "no include/linux/syscalls.h" in err
