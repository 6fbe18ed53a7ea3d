"""One x86-64 target: which table, i386 table, prototype header and project every command uses."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from syscalltbl.build.addsyscall import init_project
from syscalltbl.tables import shipped
from syscalltbl.tables.target import PROTOTYPES, TABLE, TABLE_32, X86_64Target, default, for_table, resolve


def test_the_shipped_target_has_no_project() -> None:
    target = default()
    assert target == X86_64Target(shipped.arch() / TABLE, shipped.arch() / TABLE_32, shipped.arch() / PROTOTYPES)
    assert target.syscalls_dir is None and target.devices_dir is None


def test_a_project_is_found_from_below_and_named_with_minus_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "proj"
    init_project(project)
    arch = project / "arch"
    expected = X86_64Target(arch / TABLE, arch / TABLE_32, arch / PROTOTYPES, project)
    assert resolve(project) == expected
    (project / "syscalls" / "deep").mkdir()
    monkeypatch.chdir(project / "syscalls" / "deep")
    assert resolve() == expected
    assert expected.syscalls_dir == project / "syscalls" and expected.devices_dir == project / "devices"
    monkeypatch.chdir(tmp_path)
    assert resolve() == default()


def test_a_file_the_project_lacks_is_the_shipped_one(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    init_project(project)
    (project / "arch" / PROTOTYPES).unlink()
    (project / "arch" / TABLE_32).unlink()
    target = resolve(project)
    assert (target.table, target.table_32, target.prototypes) == (
        project / "arch" / TABLE, shipped.arch() / TABLE_32, shipped.arch() / PROTOTYPES
    )  # fmt: skip
    assert target.project == project


def test_a_project_without_its_own_x86_64_table_binds_no_code(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    init_project(project)
    (project / "arch" / TABLE).unlink()
    target = resolve(project)
    assert target.table == shipped.arch() / TABLE and target.project is None


def test_the_shipped_tables_have_one_spelling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    link = tmp_path / "tables-link"
    link.symlink_to(shipped.arch().parent, target_is_directory=True)
    assert resolve(link) == default()
    monkeypatch.chdir(shipped.arch() / "x86")
    assert resolve() == default()


def test_a_table_file_inside_a_project_is_that_project_however_spelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "proj"
    init_project(project)
    monkeypatch.chdir(project / "arch")
    assert for_table(TABLE).project == project.resolve()
    assert for_table(Path("..") / "arch" / TABLE).prototypes == project.resolve() / "arch" / PROTOTYPES


def test_a_lone_table_takes_the_i386_table_beside_it(tmp_path: Path) -> None:
    table = tmp_path / "syscall_64.tbl"
    shutil.copy(shipped.arch() / TABLE, table)
    alone = for_table(table)
    assert (alone.table_32, alone.prototypes, alone.project) == (
        shipped.arch() / TABLE_32, shipped.arch() / PROTOTYPES, None
    )  # fmt: skip
    shutil.copy(shipped.arch() / TABLE_32, tmp_path / "syscall_32.tbl")
    assert for_table(os.fspath(table)).table_32 == tmp_path / "syscall_32.tbl"


def test_the_shipped_data_is_where_importlib_resources_finds_it() -> None:
    from importlib import resources

    assert shipped.arch() == resources.files("syscalltbl.tables") / "arch"
    assert shipped.grammar("tbl.lark") == resources.files("syscalltbl.tables") / "grammars" / "tbl.lark"
