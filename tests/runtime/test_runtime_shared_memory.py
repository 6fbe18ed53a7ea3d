"""Shared memory: MAP_SHARED anonymous and file memory across fork, coherent with read() and write(); SIGBUS past a
truncated file's end; MAP_PRIVATE's copy on write; System V segments; mremap, madvise, mlock, mincore; a large
PROT_NONE reservation that costs no RAM. Each C program (tests/runtime/data/shm_*.c) runs natively and on the
machine, and the two runs must print the same and exit alike. The RAM accounting is checked on the machine itself:
a mapped file page is charged once, and every frame comes back when the processes and files are gone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from busybox import ENV, TIMEOUT, Outcome, build_static, run_native

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.paging import PTE_ADDR
from syscalltbl.machine.kernel.limits import Limits
from syscalltbl.machine.kernel.vfs import OpenFile, Regular
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.uapi.errno import ENOMEM, ENOSPC, Errno
from syscalltbl.machine.uapi.fcntl import O_CREAT, O_RDWR
from syscalltbl.machine.uapi.ipc import IPC_PRIVATE, SHM_NORESERVE, SHMMNI


def run_machine(program: Path, root: Path, *options: str) -> Outcome:
    """`syscalltbl run OPTIONS PROGRAM` with `root` as the machine's / (and its working directory)."""
    argv = [sys.executable, "-m", "syscalltbl", "run", "--cwd", "/", "--env-clear", "--root", str(root), *options]
    for key, value in ENV.items():
        argv += ["--env", f"{key}={value}"]
    proc = subprocess.run([*argv, str(program)], capture_output=True, timeout=TIMEOUT, check=False)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def compare(tmp_path: Path, source: str, *options: str) -> str:
    """Build `source`, run it natively and on the machine (each in a directory of its own): the same outcome."""
    program = build_static(tmp_path, source)
    native_dir, machine_dir = tmp_path / "native", tmp_path / "machine"
    native_dir.mkdir()
    machine_dir.mkdir()
    native = run_native(program, [], native_dir)
    emulated = run_machine(program, machine_dir, *options)
    assert native.status == 0, native.text()
    assert emulated == native, f"machine:\n{emulated.text()}\nnative:\n{native.text()}"
    return native.stdout.decode()


def test_shared_anonymous_and_file_memory_across_fork(tmp_path: Path) -> None:
    out = compare(tmp_path, "shm_anon.c")
    # Parent and child took turns 200 times, adding 1 and 3: both saw every addition.
    assert "anonymous total 800\n" in out and "file total 800\n" in out
    assert 'read after munmap: "written through the mapping" 800\n' in out


def test_file_mappings_sigbus_private_copies_msync_and_open_modes(tmp_path: Path) -> None:
    out = compare(tmp_path, "shm_file.c")
    assert "page 2, now past the end: signal 7 code 2 at the page's address 1\n" in out  # SIGBUS, BUS_ADRERR
    assert "private sees write() to a page it only read: read 'b'\n" in out
    assert "seen through /dev/shm: 1234\n" in out
    assert "mmap at offset 2^63 - 4096: Value too large for defined data type\n" in out  # EOVERFLOW


def test_system_v_segments_across_fork(tmp_path: Path) -> None:
    out = compare(tmp_path, "shm_sysv.c")
    assert "child after fork: size 10000 nattch 2" in out and "total 3000\n" in out
    assert "none left: IPC_STAT: Invalid argument\n" in out


def test_mremap_madvise_mlock_and_a_512_mib_reservation_in_128_mib(tmp_path: Path) -> None:
    out = compare(tmp_path, "shm_remap.c", "--memory", "128M")
    assert "512 MiB PROT_NONE: ok\n" in out and "touched 1024 pages" in out
    assert "zeroed 1 1 kept 1 1\n" in out


def test_areas_split_by_a_change_undone_are_merged_again(tmp_path: Path) -> None:
    out = compare(tmp_path, "vma_merge.c")
    assert out.count(": 1 areas, mremap kept 'x' at the end: yes\n") == 3, out


def _frames(machine: Machine) -> tuple[int, int]:
    return machine.ram.frames_in_use, machine.ram.reserved


def test_a_mapped_file_page_is_charged_once_and_every_frame_comes_back(tmp_path: Path) -> None:
    program = build_static(tmp_path, "shm_anon.c")
    machine = Machine(root=tmp_path)
    after = []
    for _ in range(2):
        task = machine.start(program, ["shm_anon"])
        assert machine.schedule(task, 60).code == 0
        machine.kill_all()
        after.append(_frames(machine))
    assert after[0] == after[1]  # nothing of the shared memory, the segments' files or the children stays

    # A file of two pages, mapped shared: its pages become frames, and the reservation shrinks as much.
    task = machine.start(program, ["shm_anon"])
    f = machine.fs.open(task, b"/charged", machine.fs.root, O_RDWR | O_CREAT, 0o644)
    inode = f.inode
    assert isinstance(inode, Regular)
    inode.write(f, b"x" * (2 * PAGE_SIZE))
    in_use, reserved = _frames(machine)
    inode.map_into(machine.ram)
    frame = inode.page(1)
    assert frame is not None and inode.page(2) is None  # past the end: SIGBUS for a mapping
    assert _frames(machine) == (in_use + 1, reserved - 1)
    # write() lands in the frame; a truncate below it gives the frame back to the reservation, then frees it.
    f.offset = PAGE_SIZE
    inode.write(f, b"y")
    assert machine.ram.read(frame, 2) == b"yx"
    inode.truncate(PAGE_SIZE)
    assert _frames(machine) == (in_use, reserved - 1)  # the second page's charge went with it
    assert inode.read(_at(f, 0), 3 * PAGE_SIZE) == b"x" * PAGE_SIZE


def _at(f: OpenFile, offset: int) -> OpenFile:
    f.offset = offset
    return f


def test_write_into_a_page_mapped_executable_flushes_translated_code(tmp_path: Path) -> None:
    program = build_static(tmp_path, "shm_anon.c")
    machine = Machine(root=tmp_path)
    task = machine.start(program, ["shm_anon"])
    f = machine.fs.open(task, b"/code", machine.fs.root, O_RDWR | O_CREAT, 0o755)
    inode = f.inode
    assert isinstance(inode, Regular)
    inode.write(_at(f, 0), b"\x90" * PAGE_SIZE)
    inode.map_into(machine.ram)
    start = task.mm.unmapped_area(PAGE_SIZE)
    assert start is not None
    task.mm.add_vma(start, start + PAGE_SIZE, read=True, write=False, execute=True, shared=True, backing=inode)
    assert task.mm.fault_in(start, False)
    frame = task.mm.lookup(start) & PTE_ADDR
    assert frame in machine.ram.code_frames and machine.ram.is_shared(frame)
    machine.ram.stale_code = False
    inode.write(_at(f, 0), b"\xcc")  # the host writes code a process may have translated
    assert machine.ram.stale_code and machine.ram.read(frame, 1) == b"\xcc"


def test_segments_are_bounded_by_shmmni_and_charged() -> None:
    machine = Machine(limits=Limits(memory=64 << 20))
    ns = machine.shm
    slab = machine.ram.slab
    # A GiB each, untouched: no frame each; more than RAM (64 MiB) at once only with SHM_NORESERVE.
    with pytest.raises(Errno) as refused:
        ns.get(IPC_PRIVATE, 1 << 30, 0o600, 0, 0, 1)
    assert refused.value.errno == ENOMEM
    ids = [ns.get(IPC_PRIVATE, 1 << 30, 0o600 | SHM_NORESERVE, 0, 0, 1) for _ in range(SHMMNI)]
    with pytest.raises(Errno) as refused:
        ns.get(IPC_PRIVATE, PAGE_SIZE, 0o600, 0, 0, 1)
    assert refused.value.errno == ENOSPC
    assert machine.ram.slab > slab
    for ident in ids:
        ns.remove(ns.find(ident))
    assert ns.count == 0 and ns.total_pages == 0 and machine.ram.slab == slab


def test_the_oom_killer_counts_shared_memory_as_its_mappers(tmp_path: Path) -> None:
    """No native run: the host has more RAM. The hog (shared anonymous memory) dies, the bystander lives on."""
    program = build_static(tmp_path, "shm_oom.c")
    root = tmp_path / "machine"
    root.mkdir()
    outcome = run_machine(program, root, "--memory", "64M")
    assert (outcome.status, outcome.stdout) == (128 + 9, b"bystander alive after the hog: 1\n"), outcome.text()
    assert outcome.stderr.endswith(b"killed by SIGKILL (out of memory)\n")


def test_code_rewritten_through_another_mapping_of_its_page_runs_new(tmp_path: Path) -> None:
    """A shared page written at one address and run at another (a JIT's double mapping), and by write()."""
    out = compare(tmp_path, "shm_code.c")
    assert out.endswith("the child ran 4, the parent runs 4\n200 rewrites\n")


def test_a_reservation_costs_frames_only_for_the_pages_touched(tmp_path: Path) -> None:
    program = build_static(tmp_path, "shm_anon.c")
    machine = Machine(limits=Limits(memory=128 << 20))
    mm = machine.start(program, ["shm_anon"]).mm
    before = machine.ram.frames_in_use
    start = mm.unmapped_area(512 << 20)
    assert start is not None
    mm.add_vma(start, start + (512 << 20), read=False, write=False, execute=False, committed=True)
    assert mm.protect(start + (64 << 20), start + (68 << 20), read=True, write=True, execute=False)
    assert machine.ram.frames_in_use == before  # 512 MiB of address space, 4 MiB of it accessible: nothing yet
    for offset in range(0, 4 << 20, PAGE_SIZE):
        assert mm.fault_in(start + (64 << 20) + offset, True)
    tables = 5  # page tables for 4 MiB not 2 MiB-aligned (3), their page directory and its pointer table
    assert before + 1024 <= machine.ram.frames_in_use <= before + 1024 + tables
