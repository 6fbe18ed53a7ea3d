"""User pointers the user may not touch give EFAULT, never a host exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from syscalltbl.generators.x86_64 import abi
from userprog import Programs

EFAULT = 14
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
