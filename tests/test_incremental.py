"""Incremental builds rebuild exactly what a change reaches, and nothing for a comment."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from support import SHIPPED_ARCH, Cli

X86 = "arch/x86/include/generated"
I386_OUTPUTS = {f"{X86}/uapi/asm/unistd_32.h", f"{X86}/asm/unistd_32_ia32.h", f"{X86}/asm/syscalls_32.h"}
X32_OUTPUTS = {f"{X86}/uapi/asm/unistd_x32.h", f"{X86}/asm/unistd_64_x32.h", f"{X86}/asm/syscalls_x32.h"}
SIXTY_FOUR_OUTPUTS = {f"{X86}/uapi/asm/unistd_64.h", f"{X86}/asm/syscalls_64.h"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(SHIPPED_ARCH, tmp_path / "project" / "arch")
    return tmp_path / "project"


def _table(project: Path) -> Path:
    return project / "arch" / "x86" / "entry" / "syscalls" / "syscall_64.tbl"


def _build(cli: Cli, project: Path, out: Path, *extra: str) -> tuple[set[str], set[str], set[str], str]:
    """(rebuilt, written, kept) output paths and the summary line of a build with --explain -v."""
    proc = cli.run("build", "-C", project, "-o", out, "--explain", "-v", *extra)
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().splitlines()
    rebuilt = {line.split()[1].rstrip(":") for line in lines if line.startswith("  rebuilt ")}
    kept = {line.split()[1].rstrip(":") for line in lines if line.startswith("  kept ")}
    written = {str(Path(line.split()[1]).relative_to(out)) for line in lines if line.startswith("  wrote ")}
    return rebuilt, written, kept, lines[-1]


def _mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_adding_a_64_entry_leaves_i386_and_x32_alone(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(cli, project, out, "--group", "kernel")
    before = _mtimes(out)
    table = _table(project)
    table.write_text(table.read_text() + "600\t64\tmy_func\t\t\tsys_my_func\n")
    rebuilt, written, kept, summary = _build(cli, project, out, "--group", "kernel")
    assert rebuilt == SIXTY_FOUR_OUTPUTS
    assert written == SIXTY_FOUR_OUTPUTS
    assert kept >= I386_OUTPUTS | X32_OUTPUTS
    assert summary == "syscalltbl build: 2 written, 68 unchanged, 0 failed"
    after = _mtimes(out)
    assert all(after[p] == before[p] for p in before if p not in SIXTY_FOUR_OUTPUTS)


def test_an_x32_entry_point_change_touches_no_64_bit_output(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(cli, project, out)  # both groups: the runtime group is 64-bit too
    before = _mtimes(out)
    table = _table(project)
    text = table.read_text()
    old = "512\tx32\trt_sigaction\t\tcompat_sys_rt_sigaction"
    assert old in text
    table.write_text(text.replace(old, "512\tx32\trt_sigaction\t\tcompat_sys_rt_sigaction_v2"))
    rebuilt, written, _, _ = _build(cli, project, out)
    assert rebuilt == X32_OUTPUTS  # every output selecting x32, and nothing else
    assert written == {f"{X86}/asm/syscalls_x32.h"}  # the only one that prints entry points
    after = _mtimes(out)
    assert [p for p in before if after[p] != before[p]] == [f"{X86}/asm/syscalls_x32.h"]


def test_a_comment_only_change_rebuilds_nothing(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(cli, project, out)
    table = _table(project)
    table.write_text("# a new comment at the top\n\n" + table.read_text().replace("# 64-bit system call", "#   64-bit"))
    rebuilt, written, kept, summary = _build(cli, project, out)
    assert rebuilt == set() and written == set()
    assert f"{X86}/asm/syscalls_64.h" in kept
    assert summary.startswith("syscalltbl build: 0 written,")


def test_deleted_and_edited_outputs_are_rebuilt(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(cli, project, out, "--group", "kernel")
    (out / f"{X86}/asm/syscalls_64.h").unlink()
    (out / f"{X86}/asm/syscalls_32.h").write_text("edited by hand\n")
    rebuilt, written, _, _ = _build(cli, project, out, "--group", "kernel")
    assert rebuilt == written == {f"{X86}/asm/syscalls_64.h", f"{X86}/asm/syscalls_32.h"}


def test_runtime_abis_match_the_runtime_generator() -> None:
    from syscalltbl.build.runtime_group import ABIS
    from syscalltbl.generators.x86_64.kernel import ABIS as GENERATOR_ABIS

    assert ABIS == GENERATOR_ABIS


def test_no_op_build_imports_nothing_heavy(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(cli, project, out)
    python = Path(cli.executable).parent / "python"
    proc = subprocess.run(
        [str(python), "-X", "importtime", "-m", "syscalltbl", "build", "-C", str(project), "-o", str(out)],
        capture_output=True,
        env=cli.env,
        check=False,
    )
    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip() for line in proc.stderr.decode().splitlines() if "|" in line}
    assert not imported & {"networkx", "lark", "jinja2", "unicorn"}


def test_parallel_builds_of_one_tree_are_safe(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    procs = [
        subprocess.Popen(
            [cli.executable, "build", "-C", str(project), "-o", str(out)],
            env=cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    results = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    summaries = sorted(r[0].decode().strip() for r in results)
    assert summaries[0].startswith("syscalltbl build: 0 written,")  # the later two wait and find it done
    assert not list(out.rglob(".*.tmp"))
    _, written, _, _ = _build(cli, project, out)
    assert written == set()


def test_the_i386_table_reaches_the_runtime_group_only_through_its_entries(
    cli: Cli, project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _build(cli, project, out)
    table = project / "arch" / "x86" / "entry" / "syscalls" / "syscall_32.tbl"
    table.write_text("# a comment the int $0x80 path never sees\n" + table.read_text())
    proc = cli.run("build", "-C", project, "-o", out, "--explain")
    assert "rebuilt" not in proc.stdout.decode()
    text = table.read_text()
    old = "20\ti386\tgetpid\t\t\tsys_getpid"
    assert old in text
    table.write_text(text.replace(old, "20\ti386\tgetpid\t\t\tsys_getpid2"))
    lines = cli.run("build", "-C", project, "-o", out, "--explain").stdout.decode().splitlines()
    rebuilt = [line for line in lines if line.startswith(f"  rebuilt {X86}/asm/syscalls_32.h: ")]
    assert len(rebuilt) == 1 and rebuilt[0].endswith(
        "syscall_32.tbl: ABI i386 changed (line 36 `20\ti386\tgetpid\t\t\tsys_getpid2`)"
    )
    assert any(line.startswith("  rebuilt the runtime group:") for line in lines)
