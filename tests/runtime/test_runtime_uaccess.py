"""User pointers the user may not touch give EFAULT, never a host exception."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from userprog import Programs

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.uapi.errno import EFAULT, ENOMEM

POINTERS = {
    "kernel-text": abi.KERNEL_TEXT,
    "kernel-stack": abi.KSTACK_BASE + abi.THREAD_SIZE - 64,
    "gate-page": abi.GATE_PAGE,
    "unmapped": 0x1000,
    "null": 0,
    "non-canonical": 1 << 47,
    "last-user-page-overflow": abi.TASK_SIZE_MAX - 2,
    "top": (1 << 64) - 8,
}
EXIT_WITH_MINUS_RAX = "\tnegq\t%rax\n\tmovq\t%rax, %rdi\n\tmovl\t$__NR_exit_group, %eax\n\tsyscall\n"


@pytest.fixture
def programs(tmp_path: Path) -> Programs:
    return Programs(tmp_path)


def _call(nr: str, *args: int | str) -> str:
    regs = ("%rdi", "%rsi", "%rdx", "%r10")
    return "".join(f"\tmovq\t{a}, {r}\n" if isinstance(a, str) else f"\tmovabsq\t${a & (2**64 - 1):#x}, {r}\n"
                   for a, r in zip(args, regs, strict=False)) + f"\tmovl\t$__NR_{nr}, %eax\n\tsyscall\n"


@pytest.mark.parametrize("ptr", POINTERS.values(), ids=POINTERS.keys())
def test_write_from_bad_pointer(programs: Programs, ptr: int) -> None:
    result = programs.run("_start:\n" + _call("write", 1, ptr, 8) + EXIT_WITH_MINUS_RAX)
    assert result.status.code == EFAULT
    assert result.stdout == b""


@pytest.mark.parametrize("ptr", POINTERS.values(), ids=POINTERS.keys())
def test_read_into_bad_pointer(programs: Programs, ptr: int) -> None:
    result = programs.run("_start:\n" + _call("read", 0, ptr, 8) + EXIT_WITH_MINUS_RAX, stdin=b"data")
    assert result.status.code == EFAULT


def test_read_into_read_only_text(programs: Programs) -> None:
    result = programs.run("_start:\n\tleaq\t_start(%rip), %rbx\n" + _call("read", 0, "%rbx", 4)
                          + EXIT_WITH_MINUS_RAX, stdin=b"data")
    assert result.status.code == EFAULT


def test_uname_into_kernel_memory(programs: Programs) -> None:
    result = programs.run("_start:\n" + _call("uname", abi.KERNEL_TEXT) + EXIT_WITH_MINUS_RAX)
    assert result.status.code == EFAULT


def test_write_straddling_into_unmapped_page(programs: Programs) -> None:
    # The buffer starts in the stack's top page and runs off the end of user space.
    result = programs.run("_start:\n" + _call("write", 1, abi.TASK_SIZE_MAX - 4, 4) + "\tmovq\t%rax, %rbx\n"
                          + _call("write", 1, abi.TASK_SIZE_MAX - 4, 8) + EXIT_WITH_MINUS_RAX)
    assert result.status.code == EFAULT
    assert len(result.stdout) == 4


def test_arch_prctl_get_fs_into_kernel(programs: Programs) -> None:
    result = programs.run("_start:\n" + _call("arch_prctl", 0x1003, abi.KERNEL_TEXT) + EXIT_WITH_MINUS_RAX)
    assert result.status.code == EFAULT


# -- huge counts: checked against the areas before any page or host buffer is sized from them --

PROT_RW, PROT_R = 3, 1
MAP_ANON_PRIVATE, MAP_FIXED, MAP_NORESERVE = 0x22, 0x10, 0x4000
HUGE = 2**40
LOW = 0x200000000


@dataclass
class Probe:
    """A getpid that records its argument (the previous call's result) and the caller's memory."""

    results: list[int] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    areas: list[list[tuple[int, int, str, bool]]] = field(default_factory=list)

    def __call__(self, t: Task, value: int, *_: int) -> int:
        self.results.append(value - (1 << 64) if value >> 63 else value)
        self.frames.append(t.mm.ram.frames_in_use)
        self.areas.append([(v.start, v.end, v.name, v.write) for v in t.mm.vmas])
        return 0


def _calls(*lines: str) -> str:
    """Each line a call; after each, its result goes to the probe (getpid's first argument).

    First mlockall(MCL_CURRENT) pages the program in: its text and data are mappings of its file, paged
    in when first touched, and the frames counted must be those the calls take, not the program's own.
    """
    report = "\tmovq\t%rax, %rdi\n\tmovl\t$__NR_getpid, %eax\n\tsyscall\n"
    return ("_start:\n" + _call("mlockall", 1) + "".join(line + report for line in lines) + "\txorl\t%edi, %edi\n"
            + EXIT_WITH_MINUS_RAX)


def _6(nr: str, *args: int | str) -> str:
    """_call with the fifth and sixth arguments too (mmap)."""
    regs = ("%rdi", "%rsi", "%rdx", "%r10", "%r8", "%r9")
    return "".join(f"\tmovq\t{a}, {r}\n" if isinstance(a, str) else f"\tmovabsq\t${a & (2**64 - 1):#x}, {r}\n"
                   for a, r in zip(args, regs, strict=False)) + f"\tmovl\t$__NR_{nr}, %eax\n\tsyscall\n"


def _run(programs: Programs, lines: list[str], data: str = "", stdin: bytes = b"") -> tuple[Probe, bytes]:
    probe = Probe()
    asm = _calls(*lines) + "\t.data\n" + data
    result = programs.run(asm, stdin=stdin, handlers={"sys_getpid": probe})
    assert result.status.code == 0, result.status
    return probe, result.stdout


def test_huge_counts_copy_up_to_the_first_fault_without_allocating(programs: Programs) -> None:
    # One page, low enough that 2**40 bytes from it pass access_ok, and
    # nothing mapped after it: the buffer is its last 96 bytes.
    probe, stdout = _run(programs, [
        _6("mmap", LOW, 4096, PROT_RW, MAP_ANON_PRIVATE | MAP_FIXED, -1, 0)
        + "\tmovq\t%rax, %rbx\n\tleaq\t4000(%rbx), %r13\n",
        _call("open", "$zero", 0) + "\tmovq\t%rax, %r12\n",
        _call("read", "%r12", "%r13", HUGE),
        _call("read", "%r12", "%r13", 2**63),  # past access_ok: EFAULT, as vfs_read checks the count asked for
        _call("read", "%r12", LOW + 4096, HUGE),  # nothing mapped there
        _call("read", 0, "%rbx", HUGE),  # a short input: all of it
        _call("write", 1, "%r13", HUGE),
        _call("getrandom", "%r13", HUGE, 0),
        _call("getrandom", "%r13", HUGE, 6),  # GRND_RANDOM | GRND_INSECURE
    ], data="zero:\t.asciz \"/dev/zero\"\n", stdin=b"data")
    assert probe.results[2:] == [96, -EFAULT, -EFAULT, 4, 96, 96, -22]
    assert stdout == bytes(96)
    assert probe.frames[-1] - probe.frames[0] <= 3  # the one page, and the two page tables above it


def test_reading_untouched_memory_pages_nothing_in(programs: Programs) -> None:
    # write() from a never-touched mapping reads zeros (the zero page) and gives it no frames.
    probe, _ = _run(programs, [
        _6("mmap", 0, 1 << 20, PROT_R, MAP_ANON_PRIVATE, -1, 0) + "\tmovq\t%rax, %rbx\n",
        _call("open", "$null", 1) + "\tmovq\t%rax, %r12\n",
        _call("write", "%r12", "%rbx", 1 << 20),
    ], data="null:\t.asciz \"/dev/null\"\n")
    assert probe.results[2] == 1 << 20
    assert probe.frames[2] == probe.frames[0]


def test_a_huge_mapping_is_unmapped_by_its_pages_not_its_length(programs: Programs) -> None:
    # 2**46 bytes is 2**34 pages: a page-by-page munmap or mprotect would not finish.
    base, size = 1 << 32, 1 << 46
    touch = (f"\tmovabsq\t${base:#x}, %rbx\n\tmovq\t%rbx, (%rbx)\n"
             f"\tmovabsq\t${base + size // 2:#x}, %rcx\n\tmovq\t%rbx, (%rcx)\n")
    probe, _ = _run(programs, [
        _6("mmap", base, size, PROT_RW, MAP_ANON_PRIVATE | MAP_FIXED, -1, 0),  # more than RAM: refused
        _6("mmap", base, size, PROT_R, MAP_ANON_PRIVATE | MAP_FIXED, -1, 0),  # read-only: nothing charged
        _call("mprotect", base, size, PROT_RW),  # charged when it becomes writable
        _6("mmap", base, size, PROT_RW, MAP_ANON_PRIVATE | MAP_FIXED | MAP_NORESERVE, -1, 0) + touch,
        _call("mprotect", base, size, PROT_R),
        _call("mprotect", base, size, PROT_RW),  # MAP_NORESERVE: never charged
        _call("munmap", base, size),
        _call("munmap", base, size),  # nothing left there: still 0
        _call("munmap", base, 1 << 47),  # past TASK_SIZE
    ])
    assert probe.results == [-ENOMEM, base, -ENOMEM, base, 0, 0, 0, 0, -22]
    assert probe.frames[3] >= probe.frames[2] + 2  # the two pages touched ...
    assert probe.frames[6] <= probe.frames[5] - 2  # ... are freed by munmap
    assert all(end <= base or start >= base + size for start, end, _, _ in probe.areas[6])


def test_brk_never_grows_into_another_mapping(programs: Programs) -> None:
    probe, _ = _run(programs, [
        _call("brk", 0) + "\tmovq\t%rax, %rbx\n\tleaq\t8192(%rbx), %r12\n",
        _6("mmap", "%r12", 4096, PROT_RW, MAP_ANON_PRIVATE | MAP_FIXED, -1, 0),
        "\tleaq\t16384(%rbx), %rdi\n\tmovl\t$__NR_brk, %eax\n\tsyscall\n",  # over the mapping
        "\tmovq\t%r12, %rdi\n\tmovl\t$__NR_brk, %eax\n\tsyscall\n",  # up to it: no guard page left
        "\tleaq\t4096(%rbx), %rdi\n\tmovl\t$__NR_brk, %eax\n\tsyscall\n",  # a page short of it
    ])
    brk = probe.results[0]
    assert probe.results[1:] == [brk + 8192, brk, brk, brk + 4096]
    heap = [(start, end) for start, end, name, _ in probe.areas[-1] if name == "[heap]"]
    assert heap == [(brk, brk + 4096)]


def test_brk_grows_a_heap_that_mprotect_split(programs: Programs) -> None:
    probe, _ = _run(programs, [
        _call("brk", 0) + "\tmovq\t%rax, %rbx\n",
        "\tleaq\t12288(%rbx), %rdi\n\tmovl\t$__NR_brk, %eax\n\tsyscall\n",
        "\tleaq\t4096(%rbx), %rdi\n" + _call("mprotect", "%rdi", 4096, PROT_R),
        "\tleaq\t20480(%rbx), %rdi\n\tmovl\t$__NR_brk, %eax\n\tsyscall\n",
        "\tleaq\t4096(%rbx), %rdi\n\tmovl\t$__NR_brk, %eax\n\tsyscall\n",
    ])
    brk = probe.results[0]
    assert probe.results[1:] == [brk + 12288, 0, brk + 20480, brk + 4096]
    grown = sorted((start, end, write) for start, end, name, write in probe.areas[3] if name == "[heap]")
    assert grown == [(brk, brk + 4096, True), (brk + 4096, brk + 8192, False), (brk + 8192, brk + 20480, True)]
    shrunk = [(start, end) for start, end, name, _ in probe.areas[4] if name == "[heap]"]
    assert shrunk == [(brk, brk + 4096)]


def test_brk_after_its_heap_was_unmapped_maps_only_what_it_adds(programs: Programs) -> None:
    probe, _ = _run(programs, [
        _call("brk", 0) + "\tmovq\t%rax, %rbx\n",
        "\tleaq\t8192(%rbx), %rdi\n\tmovl\t$__NR_brk, %eax\n\tsyscall\n",
        _call("munmap", "%rbx", 8192),
        _6("mmap", "%rbx", 4096, PROT_R, MAP_ANON_PRIVATE | MAP_FIXED, -1, 0),  # another mapping where it was
        "\tleaq\t16384(%rbx), %rdi\n\tmovl\t$__NR_brk, %eax\n\tsyscall\n",
    ])
    brk = probe.results[0]
    assert probe.results[1:] == [brk + 8192, 0, brk, brk + 16384]
    assert sorted((start, end, name) for start, end, name, _ in probe.areas[-1] if brk <= start < brk + 16384) == [
        (brk, brk + 4096, ""), (brk + 8192, brk + 16384, "[heap]")]


def test_a_read_that_runs_out_of_ram_stops_short(programs: Programs) -> None:
    # 64 MiB of MAP_NORESERVE memory on a 32 MiB machine: the read's copy runs
    # out of frames part way, a failed fault as in arch/x86/mm/fault.c, and the
    # read returns what it copied (read_iter_zero); no host error.
    probe = Probe()
    asm = _calls(
        _6("mmap", LOW, 64 << 20, PROT_RW, MAP_ANON_PRIVATE | MAP_FIXED | MAP_NORESERVE, -1, 0),
        _call("open", "$zero", 0) + "\tmovq\t%rax, %r12\n",
        _call("read", "%r12", LOW, 64 << 20),
        _call("read", "%r12", LOW + (48 << 20), 4096),  # nothing copied at all: EFAULT
        _call("munmap", LOW, 64 << 20),
        _call("read", "%r12", "%rsp", 8),  # and with the memory back, all is well
    ) + "\t.data\nzero:\t.asciz \"/dev/zero\"\n"
    result = programs.run(asm, handlers={"sys_getpid": probe}, ram_size=32 << 20)
    assert result.status.code == 0, result.status
    assert probe.results[:2] == [LOW, 3] and probe.results[3:] == [-EFAULT, 0, 8]
    assert 0 < probe.results[2] < 32 << 20
