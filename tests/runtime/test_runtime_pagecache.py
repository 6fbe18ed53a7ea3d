"""The executables' page cache: an ELF's segments are private mappings of its file, so read-only pages are
loaded once and shared, private on write, freed with the file; and translated code that never outlives what it
was translated from."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
from pathlib import Path
from typing import cast

from test_runtime_examples import example

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.paging import PTE_ADDR, PTE_P, PTE_RW
from syscalltbl.machine.image.elfimage import read_image
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import Regular
from syscalltbl.machine.machine import Machine


def _root(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    shutil.copy(example("hello"), tmp_path / "bin" / "hello")
    return tmp_path


def _text_frame(task: Task) -> int:
    """The frame of the page at the entry point, paged in as the first instruction fetch would."""
    page = read_image(example("hello")).entry & ~(PAGE_SIZE - 1)
    assert task.mm.lookup(page) & PTE_P or task.mm.fault_in(page, False, user=False)
    return task.mm.lookup(page) & PTE_ADDR


def test_two_processes_of_one_file_share_its_text(tmp_path: Path) -> None:
    machine = Machine(root=_root(tmp_path))
    program = tmp_path / "bin" / "hello"
    first, second = machine.start(program, ["hello"]), machine.start(program, ["hello"])
    frame = _text_frame(first)
    assert frame == _text_frame(second) and machine.ram.is_shared(frame)
    assert not first.mm.lookup(read_image(program).entry) & PTE_RW
    # ... while the stack, written by exec, is each process's own.
    assert first.mm.user_frame(first.pt_regs()["sp"], False) != second.mm.user_frame(second.pt_regs()["sp"], False)


def test_fork_shares_the_text_and_a_write_after_mprotect_makes_it_private(tmp_path: Path) -> None:
    machine = Machine(root=_root(tmp_path))
    task = machine.start(tmp_path / "bin" / "hello", ["hello"])
    frame = _text_frame(task)
    child = task.mm.copy()
    page = read_image(example("hello")).entry & ~(PAGE_SIZE - 1)
    assert child.lookup(page) & PTE_ADDR == frame
    before = machine.ram.read(frame, PAGE_SIZE)
    assert child.protect(page, page + PAGE_SIZE, read=True, write=True, execute=True)
    # Writable now, but still the file's page until written: mprotect copies nothing (copy on write).
    assert child.lookup(page) & PTE_ADDR == frame and child.copy_on_write_pending(page)
    child.poke(page, b"\xcc")
    mine = child.lookup(page) & PTE_ADDR
    assert mine != frame and not machine.ram.is_shared(mine)
    assert machine.ram.read(mine, PAGE_SIZE) == b"\xcc" + before[1:]
    assert machine.ram.read(frame, PAGE_SIZE) == before and _text_frame(task) == frame
    child.destroy()


def test_frames_stay_with_the_file_and_go_with_it(tmp_path: Path) -> None:
    machine = Machine(root=_root(tmp_path))
    # Held here: a host file nobody holds or maps is let go of, its page cache with it (hostfs.py).
    inode = machine.fs.lookup(cast("Task", None), b"/bin/hello", machine.fs.root)
    assert isinstance(inode, Regular)
    runs = []
    for _ in range(3):
        task = machine.start(tmp_path / "bin" / "hello", ["hello"])
        assert machine.schedule(task, 20).code == 0
        runs.append(machine.ram.frames_in_use)
    assert runs[1] == runs[2]  # nothing leaks from one run to the next
    cached = len(inode.pages.frames)
    assert cached  # the file's page cache, kept for the next exec
    machine.fs.unlink(task, b"/bin/hello", machine.fs.root, directory=False)
    del inode
    gc.collect()
    assert machine.ram.frames_in_use == runs[2] - cached  # gone with the file


def test_code_rewritten_by_the_program_or_the_kernel_runs_as_it_is_now(tmp_path: Path) -> None:
    program = tmp_path / "rewrite_code"
    source = Path(__file__).parent / "data" / "rewrite_code.c"
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Werror", "-o", str(program), str(source)], check=True)
    native = subprocess.run([str(program)], capture_output=True, timeout=60, check=True)
    emulated = subprocess.run([sys.executable, "-m", "syscalltbl", "run", str(program)], capture_output=True,
                              timeout=60, check=True)
    assert native.stdout == b"memcpy: 1\nread: 2\nmemcpy: 3\nread: 4\n"
    assert emulated.stdout == native.stdout
