"""ELF loading as Linux's binfmt_elf does it, each case compared with the native run of the same binary:
static, static-pie (gcc's and rustc's default) and dynamic programs, ld.so run as a program, an executable
stack asked for by PT_GNU_STACK, the auxiliary vector, segments that are mappings of their file's page
cache (shared by every process running it), and what --trace shows of ld.so's calls against strace."""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

import pytest
from busybox import require
from dynamic_root import LD_SO, build_c, make_dynamic_root, run_machine, run_native
from native_vs_machine import assert_same, make_root, run_both
from static_builds import build

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.paging import PTE_ADDR, PTE_P
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import Regular
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.syscalls import REGISTRY
from syscalltbl.machine.uapi.elf import ET_DYN, ET_EXEC, PT_INTERP

#: What the auxv program must print on every side (its exit status is 3).
AUXV_FACTS = ("auxv keys: 33 51 16 6 17 3 4 5 7 8 9 11 12 13 14 23 25 26 31 15", "AT_PHNUM", "AT_PHENT 56",
              "AT_PHDR is the program's headers: yes", "AT_ENTRY is _start: yes",
              "AT_UID/EUID/GID/EGID are the ids: yes", "AT_PLATFORM x86_64", "strings in order: yes",
              "break grows: yes", "maps names the program's file: yes")


def _elf_kind(path: Path) -> tuple[int, bool]:
    """(e_type, whether it has a PT_INTERP) of the ELF at `path`: that a build is what its test is about."""
    data = path.read_bytes()
    e_type, phoff, phentsize, phnum = (struct.unpack_from("<H", data, 16)[0], struct.unpack_from("<Q", data, 32)[0],
                                       *struct.unpack_from("<HH", data, 54))
    types = [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]
    return e_type, PT_INTERP in types


@pytest.mark.parametrize(("flags", "stack"), [(("-static",), "rw-p"), (("-static-pie",), "rw-p"),
                                              (("-static-pie", "-Wl,-z,execstack"), "rwxp")],
                         ids=["static", "static-pie", "static-pie-execstack"])
def test_static_and_static_pie_programs_see_what_linux_gives(tmp_path: Path, flags: tuple[str, ...],
                                                              stack: str) -> None:
    program = build_c(tmp_path, "auxv_report.c", *flags, name="auxv_report")
    if "-static-pie" in flags:
        assert _elf_kind(program) == (ET_DYN, False)  # a static-pie: ET_DYN, no interpreter
    both = run_both(make_root(tmp_path / "template"), tmp_path / "runs", program, ("one", "two words"))
    assert_same(both, 3, (*AUXV_FACTS, "AT_BASE set: no", f"stack {stack}", "argv[2] two words"))


def test_rusts_default_crt_static_build_is_a_static_pie_that_runs(tmp_path: Path) -> None:
    program = build("rustc", "rust_threads_fs.rs")
    assert _elf_kind(program) == (ET_DYN, False)  # rustc's +crt-static default: a static-pie
    facts = ("received 6 messages, joined [0, 1, 2, 3, 4, 5]", "removed: true")
    assert_same(run_both(make_root(tmp_path / "template"), tmp_path / "runs", program), 0, facts)


@pytest.fixture
def host_root(tmp_path: Path) -> Path:
    """/bin/true, /bin/echo and their libraries from the host."""
    return make_dynamic_root(tmp_path / "root", {"/bin/true": "/bin/true", "/bin/echo": "/bin/echo"})


def _same(machine: tuple[bytes, int], native: tuple[bytes, int]) -> None:
    assert machine == native, f"machine {machine!r}, native {native!r}"


@pytest.mark.parametrize("args", [("/bin/true",), ("/bin/echo", "hi"), ("/bin/echo", "-n", "a", "b")])
def test_dynamic_programs_run_as_natively(host_root: Path, args: tuple[str, ...]) -> None:
    machine, native = run_machine(host_root, *args), run_native(*args)
    assert native.returncode == 0
    _same((machine.stdout, machine.returncode), (native.stdout, native.returncode))
    assert machine.stderr == b""


@pytest.mark.parametrize("args", [("/bin/true",), ("/bin/echo", "hi")])
def test_ld_so_run_as_a_program_loads_the_one_named(host_root: Path, args: tuple[str, ...]) -> None:
    machine, native = run_machine(host_root, LD_SO, *args), run_native(LD_SO, *args)
    assert native.returncode == 0
    _same((machine.stdout, machine.returncode), (native.stdout, native.returncode))


@pytest.mark.parametrize(("flags", "e_type"), [((), ET_DYN), (("-no-pie",), ET_EXEC)], ids=["pie", "no-pie"])
def test_a_dynamic_program_sees_its_interpreter_and_auxv(tmp_path: Path, flags: tuple[str, ...], e_type: int) -> None:
    program = build_c(tmp_path, "auxv_report.c", *flags, name="auxv_report")
    assert _elf_kind(program) == (e_type, True)  # with an interpreter
    root = make_dynamic_root(tmp_path / "root", {"/bin/auxv_report": program})
    machine = run_machine(root, "/bin/auxv_report", "x", env=("GREETING=hello",))
    native = run_native(str(program), "x", env=("GREETING=hello",))
    text = native.stdout.decode()
    assert native.returncode == 3 and all(fact in text for fact in (*AUXV_FACTS, "AT_BASE set: yes")), text
    _same((machine.stdout, machine.returncode), (native.stdout, native.returncode))


def test_a_missing_interpreter_is_one_line_and_127(tmp_path: Path) -> None:
    root = make_dynamic_root(tmp_path / "root", {"/bin/true": "/bin/true"})
    (root / LD_SO.lstrip("/")).unlink()
    result = run_machine(root, "/bin/true")
    assert result.returncode == 127, result
    assert result.stderr.decode() == (f"syscalltbl run: error: {root}/bin/true: cannot run: /bin/true: interpreter "
                                      f"{LD_SO}: No such file or directory\n")


def _layout(maps: bytes, program: str) -> tuple[list[tuple[int, int, str, str]], list[str]]:
    """The program's areas (start, end, perms, offset) and the heap's line, from /proc/self/maps."""
    areas, heap = [], []
    for line in maps.decode().splitlines():
        fields = line.split()
        span, perms, offset = fields[0], fields[1], fields[2]
        start, end = (int(x, 16) for x in span.split("-"))
        if fields[-1].endswith(program):
            areas.append((start, end, perms, offset))
        elif fields[-1] == "[heap]":
            heap.append(f"{span} {perms} {offset}")
    return areas, heap


def test_where_things_go_is_where_linux_puts_them_without_randomization(host_root: Path) -> None:
    """A PIE at ELF_ET_DYN_BASE (0x555555554000) with its break after it; ld.so run as a program where mmap
    puts it, the program it loads beside it, and the break moved to ELF_ET_DYN_BASE (Linux 6.18's rule)."""
    setarch = require("setarch", "util-linux")
    shutil.copy("/bin/cat", host_root / "bin" / "cat")
    for prefix in ((), (LD_SO,)):
        native = run_native(setarch, "-R", *prefix, "/bin/cat", "/proc/self/maps")
        machine = run_machine(host_root, *prefix, "/bin/cat", "/proc/self/maps")
        (native_areas, native_heap), (areas, heap) = _layout(native.stdout, "/cat"), _layout(machine.stdout, "/cat")
        assert len(native_areas) == 5 and native_heap, native.stdout.decode()
        assert heap == native_heap
        if prefix:  # mmap's choice: where its areas start differs from Linux's, not how they lie
            areas = [(s - areas[0][0], e - areas[0][0], p, o) for s, e, p, o in areas]
            native_areas = [(s - native_areas[0][0], e - native_areas[0][0], p, o) for s, e, p, o in native_areas]
        else:
            assert native_areas[0][0] == 0x555555554000
        assert areas == native_areas


def _libc_text_frames(task: Task) -> dict[int, int]:
    """Page index in libc.so.6 -> frame, for the pages of its executable mapping `task` has in memory."""
    found = {}
    for vma in task.mm.vmas:
        if vma.name.endswith("/libc.so.6") and vma.execute:
            for va in range(vma.start, vma.end, PAGE_SIZE):
                entry = task.mm.lookup(va)
                if entry & PTE_P:
                    found[vma.index(va)] = entry & PTE_ADDR
    return found


def test_fork_and_exec_of_dynamic_programs_share_libcs_pages(tmp_path: Path) -> None:
    program = build_c(tmp_path, "fork_exec_dynamic.c")
    root = make_dynamic_root(tmp_path / "root", {"/bin/fork_exec": program, "/bin/echo": "/bin/echo"})
    native = run_native(str(program))
    assert native.stdout == b"child ran /bin/echo\nparent: child exited 0\n"
    # Each process's libc pages as it exits: the child's after its exec of /bin/echo, the parent's at its end.
    at_exit: dict[int, dict[int, int]] = {}
    # libc's page cache as the parent exits: a host file nobody maps any more is let go of (hostfs.py).
    cache: dict[int, int] = {}
    exit_group = REGISTRY["sys_exit_group"]

    def noting_libc(t: Task, *args: int) -> int:
        at_exit[t.pid] = _libc_text_frames(t)
        libc = next(v.backing for v in t.mm.vmas if v.name.endswith("/libc.so.6"))
        assert isinstance(libc, Regular)
        cache.update(libc.pages.frames)
        return exit_group(t, *args)

    with open(tmp_path / "out", "wb") as out:
        machine = Machine(root=root, stdio=(0, out.fileno(), 2), handlers={"sys_exit_group": noting_libc})
        status = machine.run(root / "bin" / "fork_exec")
    assert (status.code, (tmp_path / "out").read_bytes()) == (0, native.stdout)
    parent, child = at_exit[1], at_exit[2]
    shared = parent.keys() & child.keys()
    assert len(shared) > 10, (len(parent), len(child))
    # The same frames in both processes, and they are libc's page cache: loaded once, for the machine.
    assert all(parent[i] == child[i] == cache[i] for i in shared)


def _calls(trace: str) -> list[str]:
    """The loader's and ld.so's calls of a trace, with addresses and struct stat contents left out."""
    shown = []
    for line in trace.splitlines():
        found = re.match(r"(\w+)\((.*)\)\s*= (.*)$", line)
        if found is None or found[1] not in ("execve", "openat", "mmap", "mprotect", "pread64", "arch_prctl",
                                             "newfstatat", "read", "close", "access", "munmap", "brk"):
            continue
        name, args, result = found.groups()
        if name == "execve":
            shown.append("execve")  # strace shows envp as a pointer, the machine as strings
            continue
        args = re.sub(r"\{st_mode=[^}]*\}", "{...}", re.sub(r"0x[0-9a-f]{8,}", "ADDR", args))
        shown.append(f"{name}({args}) = {re.sub(r'0x[0-9a-f]{8,}', 'ADDR', result)}")
    return shown


def test_trace_of_a_dynamic_program_shows_ld_sos_calls_as_strace_does(host_root: Path, tmp_path: Path) -> None:
    strace = require("strace", "strace")
    native_trace = tmp_path / "native.trace"
    native = run_native(strace, "-o", str(native_trace), "/bin/echo", "hi")
    assert native.returncode == 0, native.stderr
    machine = run_machine(host_root, "/bin/echo", "hi", trace=tmp_path / "machine.trace")
    assert machine.stdout == native.stdout == b"hi\n"
    expected = _calls(native_trace.read_text())
    shown = _calls((tmp_path / "machine.trace").read_text())
    assert any(c.startswith('openat(AT_FDCWD, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC)') for c in
               shown)
    assert any(re.fullmatch(r"mmap\(ADDR, \d+, PROT_READ\|PROT_EXEC, MAP_PRIVATE\|MAP_FIXED\|MAP_DENYWRITE, 3, "
                            r"0x[0-9a-f]+\) = ADDR", c) for c in shown), shown
    assert shown == expected
