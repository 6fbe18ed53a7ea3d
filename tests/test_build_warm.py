"""A warm `syscalltbl build`: answered from its record without the CLI, never stale; the one-token-a-line grammar."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from support import SHIPPED_ARCH, Cli, run_with_importtime
from syscalltbl.tables import tblparse

#: what the CLI and a render import, and a warm build must not
HEAVY = ("syscalltbl.cli.main", "argparse", "lark", "jinja2", "syscalltbl.build.regenerate")


def _imports(cli: Cli, *args: str | os.PathLike[str], cwd: Path) -> tuple[subprocess.CompletedProcess[bytes], set[str]]:
    return run_with_importtime(cli, *args, cwd=cwd)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_warm_build_rewrites_missing_and_modified_outputs_without_the_cli(fresh_cli: Cli, tmp_path: Path) -> None:
    args = ("build", "--group", "kernel", "--arch", "x86", "--arch", "arm", "-o", "out")
    cold = fresh_cli.run(*args, cwd=tmp_path)
    assert cold.returncode == 0, cold.stderr
    expected = _tree(tmp_path / "out")
    missing, modified = sorted(expected)[:2]
    (tmp_path / "out" / missing).unlink()
    (tmp_path / "out" / modified).write_bytes(b"edited by hand\n")
    warm, modules = _imports(fresh_cli, *args, cwd=tmp_path)
    summary = f"syscalltbl build: 2 written, {len(expected) - 2} unchanged, 0 failed\n"
    assert (warm.returncode, warm.stdout) == (0, summary.encode())
    assert "syscalltbl.cli.build_warm" in modules
    assert not [m for m in HEAVY if m in modules]
    assert _tree(tmp_path / "out") == expected
    noop, modules = _imports(fresh_cli, *args, cwd=tmp_path)
    assert noop.stdout == f"syscalltbl build: 0 written, {len(expected)} unchanged, 0 failed\n".encode()
    assert not [m for m in HEAVY if m in modules]


def test_a_warm_build_names_what_it_wrote_with_v(fresh_cli: Cli, tmp_path: Path) -> None:
    args = ("build", "--group", "kernel", "--arch", "x86", "-v", "-o", "out")
    assert fresh_cli.run(*args, cwd=tmp_path).returncode == 0
    output = sorted(_tree(tmp_path / "out"))[0]
    (tmp_path / "out" / output).unlink()
    warm, modules = _imports(fresh_cli, *args, cwd=tmp_path)
    assert "syscalltbl.cli.build_warm" in modules
    assert warm.stdout.decode().splitlines()[0] == f"  wrote {Path('out') / output}"


def test_an_edited_table_or_a_new_project_goes_the_whole_way(fresh_cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert fresh_cli.run("init", project).returncode == 0
    args = ("build", "--group", "kernel", "--arch", "x86", "-o", "out")
    assert fresh_cli.run(*args, cwd=project).returncode == 0
    table = project / "arch" / "x86" / "entry" / "syscalls" / "syscall_64.tbl"
    table.write_bytes(table.read_bytes() + b"999\tcommon\tbrand_new\tsys_brand_new\n")
    edited, modules = _imports(fresh_cli, *args, cwd=project)
    assert edited.returncode == 0, edited.stderr
    assert "syscalltbl.cli.main" in modules
    header = project / "out" / "arch/x86/include/generated/asm/syscalls_64.h"
    assert b"__SYSCALL(999, sys_brand_new)" in header.read_bytes()
    # Run below the project, the command reads it; once that directory is a project of its own, that one.
    inner = project / "sub"
    inner.mkdir()
    below = ("build", "--group", "kernel", "--arch", "x86", "-o", tmp_path / "below")
    assert fresh_cli.run(*below, cwd=inner).returncode == 0
    assert fresh_cli.run("init", inner).returncode == 0
    nested, modules = _imports(fresh_cli, *below, cwd=inner)
    assert nested.returncode == 0, nested.stderr
    assert "syscalltbl.cli.main" in modules
    assert b"brand_new" not in (tmp_path / "below" / "arch/x86/include/generated/asm/syscalls_64.h").read_bytes()


def test_an_evicted_output_entry_goes_the_whole_way(fresh_cli: Cli, fresh_cache: Path, tmp_path: Path) -> None:
    args = ("build", "--group", "kernel", "--arch", "x86", "-o", "out")
    assert fresh_cli.run(*args, cwd=tmp_path).returncode == 0
    expected = _tree(tmp_path / "out")
    for entry in (fresh_cache / "syscalltbl" / "output").rglob("*"):
        if entry.is_file():
            entry.write_bytes(entry.read_bytes()[:-1])  # damaged: the record's CRC-32 no longer holds
    (tmp_path / "out" / sorted(expected)[0]).unlink()
    again, modules = _imports(fresh_cli, *args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "syscalltbl.cli.main" in modules
    assert _tree(tmp_path / "out") == expected


def test_one_token_a_line_reads_every_shipped_table_as_the_column_grammar_does() -> None:
    parser, transformer = tblparse._parser()
    tables = sorted(SHIPPED_ARCH.rglob("*.tbl"))
    assert len(tables) > 10
    for path in tables:
        text = path.read_text(encoding="utf-8")
        transformer.begin(str(path), text)
        by_line = parser.parse(text, start="lines")
        transformer.begin(str(path), text)
        assert by_line == parser.parse(text, start="start")


def test_lines_the_fast_grammar_leaves_to_the_column_grammar_still_parse() -> None:
    # A `-` touching a word: `lines` cannot read it, `start` can (and the last line gets its LF).
    table = tblparse.parse_text("1 common x-\n2 common y sys_y-\n3 common z", "t.tbl")
    assert [(e.number, e.entry_point, e.compat_entry_point) for e in table.entries] == [
        (1, "-", None),
        (2, "sys_y", "-"),
        (3, None, None),
    ]
    assert table.entries[0].columns == (1, 3, 10, 11)


def test_an_output_directory_that_now_resolves_elsewhere_goes_the_whole_way(fresh_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "out").symlink_to("a")
    args = ("build", "--group", "kernel", "--arch", "x86", "-o", "out")
    assert fresh_cli.run(*args, cwd=tmp_path).returncode == 0
    (tmp_path / "out").unlink()
    (tmp_path / "out").symlink_to("b")
    again, modules = _imports(fresh_cli, *args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "syscalltbl.cli.main" in modules
    assert _tree(tmp_path / "b") == _tree(tmp_path / "a")
