"""The built kernel and vDSO come from the content-addressed cache once built, and never stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from syscalltbl.build.addsyscall import Request, init_project, plan_add
from syscalltbl.machine.image import kbuild
from syscalltbl.machine.image.kbuild import build_kernel
from syscalltbl.machine.syscalls import REGISTRY
from syscalltbl.store import cachedir
from syscalltbl.tables.target import default, resolve


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))


def _entries(kind: str) -> list[Path]:
    root = cachedir.root() / kind
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def test_a_second_build_is_read_back_and_equal() -> None:
    first = build_kernel(default(), REGISTRY)
    (entry,) = _entries("kernel")
    second = build_kernel(default(), REGISTRY)
    assert second.image == first.image and second.syscalls == first.syscalls
    assert second.ia32_table == first.ia32_table and len(second.ia32_table) > 400
    assert [e.entry_point for e in second.table] == [e.entry_point for e in first.table]
    assert _entries("kernel") == [entry]


def test_what_is_implemented_is_part_of_the_key() -> None:
    full = build_kernel(default(), REGISTRY)
    fewer = build_kernel(default(), {k: v for k, v in REGISTRY.items() if k != "sys_getpid"})
    assert len(_entries("kernel")) == 2
    assert full.elf != fewer.elf  # getpid's stub differs: Python trap or -ENOSYS


def test_a_corrupt_entry_is_rebuilt() -> None:
    good = build_kernel(default(), REGISTRY)
    (entry,) = _entries("kernel")
    entry.write_bytes(entry.read_bytes()[:-10])
    assert build_kernel(default(), REGISTRY).image == good.image


def test_a_header_edited_in_this_process_reaches_the_next_kernel(tmp_path: Path) -> None:
    """The prototypes are read as the header is now: add-syscall edits a project's header under a running process."""
    init_project(tmp_path / "proj")
    target = resolve(tmp_path / "proj")
    build_kernel(target, REGISTRY)
    plan_add(target, Request("my_func", "int a, int b")).apply()
    for kernel in (build_kernel(target, REGISTRY), build_kernel(target, REGISTRY)):  # built, then from the cache
        entry = next(e for e in kernel.table if e.name == "my_func")
        assert entry.prototype == "long sys_my_func(int a, int b)"


def test_the_kernel_key_covers_the_prototype_parser_and_the_target_rules() -> None:
    names = {path.name for path in kbuild._OWN_SOURCES}
    assert {"prototypes.py", "prototype_model.py", "prototypes.lark", "target.py", "kbuild.py"} <= names
