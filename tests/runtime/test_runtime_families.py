"""The syscall families a machine imports at their first call (machine/syscalls/families.py)."""

from __future__ import annotations

import importlib
import os
import pkgutil
from pathlib import Path
from typing import cast

import pytest

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.syscalls import REGISTRY, families
from syscalltbl.machine.syscalls.registry import Handler, bind, typed

BUSYBOX = "/bin/busybox"


def test_the_index_names_the_module_that_registers_each_body() -> None:
    index = families.index()
    assert index is not None
    assert index == {ep: body.__module__.rpartition(".")[2] for ep, body in REGISTRY.items()}
    assert families.index() == index  # the second time from the cache
    assert set(index.values()) <= set(families.FAMILIES)


def test_every_module_that_registers_a_body_is_a_family() -> None:
    # A module missing from FAMILIES would register nothing: its calls would be ENOSYS.
    package = Path(families.__file__).parent
    for info in pkgutil.iter_modules([str(package)]):
        importlib.import_module(f"syscalltbl.machine.syscalls.{info.name}")
    registering = {body.__module__.rpartition(".")[2] for body in REGISTRY.values()}
    assert registering <= set(families.FAMILIES), sorted(registering - set(families.FAMILIES))


def test_without_a_cache_there_is_no_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYSCALLTBL_NO_CACHE", "1")
    assert families.index() is None
    assert Machine().handlers["sys_getpid"] is REGISTRY["sys_getpid"]  # every family imported at start-up


def test_an_edited_family_is_indexed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = families.index()
    stamped = Path(families.__file__).parent / "uts.py"
    before = stamped.stat()
    os.utime(stamped, ns=(before.st_atime_ns, before.st_mtime_ns + 1))  # any write changes the stamps
    try:
        assert families.index() == first
        entries = [p for p in (tmp_path / "syscalltbl" / "syscall-families").rglob("*") if p.is_file()]
        assert len(entries) == 2  # indexed again, under the new stamps
    finally:
        os.utime(stamped, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_stand_in_gives_way_to_the_body_at_its_first_call() -> None:
    machine = Machine(root="/")
    stand_in = machine.handlers["sys_getpid"]
    assert stand_in is not REGISTRY["sys_getpid"] and stand_in.__name__ == "sys_getpid"
    status = machine.run(BUSYBOX, ["sh", "-c", "echo $$ >/dev/null"], timeout=60)
    assert (status.code, status.signal) == (0, None)
    body = REGISTRY["sys_getpid"]
    assert machine.handlers["sys_getpid"] is body
    assert machine.dispatch[39] is body and machine.ia32_dispatch[20] is body  # both ABIs' places
    # A body with typed arguments (int fd) takes its place wrapped as registry.bind wraps it.
    close = machine.dispatch[3]
    assert close is not REGISTRY["sys_close"] and getattr(close, "__wrapped__", None) is REGISTRY["sys_close"]
    assert typed(REGISTRY["sys_close"], machine.declarations["sys_close"]) is not REGISTRY["sys_close"]


def test_a_stand_in_is_bound_as_it_is_and_calls_the_typed_body_it_is_answered() -> None:
    table = Machine().kernel.table[3:4]
    declarations = {"sys_close": "long sys_close(unsigned int fd)"}
    got: list[tuple[int, ...]] = []

    def recorded(_t: Task, *args: int) -> int:
        got.append(args)
        return 0

    def loaded(entry_point: str, body: Handler) -> Handler:
        assert (entry_point, body) == ("sys_close", REGISTRY["sys_close"])
        return typed(recorded, declarations["sys_close"])

    stand_in = families.stand_ins({"sys_close": "fs"}, loaded)["sys_close"]
    assert bind(table, {"sys_close": stand_in}, declarations) == [stand_in]  # no cast of its own
    assert bind(table, {"sys_close": REGISTRY["sys_close"]}, declarations) != [REGISTRY["sys_close"]]  # typed
    assert stand_in(cast(Task, None), (1 << 40) | 5, 1, 2, 3, 4, 5) == 0
    assert got == [(5, 1, 2, 3, 4, 5)]  # the register's low half, as the typed body takes it


def test_a_run_binds_only_the_bodies_its_program_calls() -> None:
    machine = Machine(root="/")
    assert machine.run(BUSYBOX, ["true"]).code == 0
    assert set(machine.handlers) >= set(REGISTRY)  # every implemented entry point, bound or standing in
    assert machine.handlers["sys_exit_group"] is REGISTRY["sys_exit_group"]
    assert machine.handlers["sys_io_uring_setup"] is not REGISTRY["sys_io_uring_setup"]  # never called
