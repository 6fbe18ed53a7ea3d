"""The emulated cpu enforces ring 3; the kernel turns its faults into signals."""

from __future__ import annotations

from pathlib import Path

import pytest
from userprog import Programs

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.uapi.signal import SIGILL, SIGSEGV

PRIVILEGED = {
    "hlt": "hlt",
    "cli": "cli",
    "wrmsr": "movl $0xc0000082, %ecx\n\txorl %eax, %eax\n\txorl %edx, %edx\n\twrmsr",
    "rdmsr": "movl $0xc0000082, %ecx\n\trdmsr",
    "mov-to-cr3": "xorl %eax, %eax\n\tmovq %rax, %cr3",
    "lgdt": "lgdt (%rsp)",
    "swapgs": "swapgs",
    "sysretq": "sysretq",
    "in": "inb $0x80, %al",
    "out": "outb %al, $0x80",
}


@pytest.fixture
def programs(tmp_path: Path) -> Programs:
    return Programs(tmp_path)


@pytest.mark.parametrize("insn", PRIVILEGED.values(), ids=PRIVILEGED.keys())
def test_privileged_instruction_is_sigsegv(programs: Programs, insn: str) -> None:
    result = programs.run(f"_start:\n\t{insn}\n\tmovl\t$__NR_exit_group, %eax\n\tsyscall\n")
    assert result.status.signal == SIGSEGV, result.status
    assert result.status.code is None
    assert result.status.wait_status == SIGSEGV


ACCESSES = {
    "read-kernel-text": f"movq {abi.KERNEL_TEXT:#x}, %rax",
    "read-kernel-stack": f"movabsq ${abi.KSTACK_BASE + abi.THREAD_SIZE:#x}, %rbx\n\tmovq (%rbx), %rax",
    "jump-to-kernel": f"movabsq ${abi.KERNEL_TEXT:#x}, %rbx\n\tjmp *%rbx",
    "read-unmapped": "movq 0x1000, %rax",
    "write-text": "movq %rax, _start(%rip)",
    "write-gate-page": f"movq %rax, {abi.GATE_PAGE:#x}",
    "non-canonical": "movabsq $0x0000800000000000, %rbx\n\tmovq (%rbx), %rax",
}


@pytest.mark.parametrize("insn", ACCESSES.values(), ids=ACCESSES.keys())
def test_bad_user_access_is_sigsegv(programs: Programs, insn: str) -> None:
    result = programs.run(f"_start:\n\t{insn}\n\tmovl\t$__NR_exit_group, %eax\n\tsyscall\n")
    assert result.status.signal == SIGSEGV, result.status


def test_ud2_is_sigill(programs: Programs) -> None:
    result = programs.run("_start:\n\tud2\n")
    assert result.status.signal == SIGILL
    assert result.status.wait_status == SIGILL


def test_int_0x80_is_sigsegv_without_ia32_emulation(programs: Programs) -> None:
    result = programs.run("_start:\n\tmovl\t$1, %eax\n\tint\t$0x80\n\tud2\n", ia32_emulation=False)
    assert result.status.signal == SIGSEGV


def test_output_before_a_fault_is_kept(programs: Programs) -> None:
    result = programs.run("""
_start:
	movl	$__NR_write, %eax
	movl	$1, %edi
	leaq	_start(%rip), %rsi
	movl	$1, %edx
	syscall
	hlt
""")
    assert len(result.stdout) == 1
    assert result.status.signal == SIGSEGV
