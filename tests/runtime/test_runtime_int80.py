"""`int $0x80` from a 64-bit process: the i386 numbering, through the generated ia32_sys_call_table."""

from __future__ import annotations

import struct
from pathlib import Path

from userprog import Programs

from syscalltbl.machine.uapi.errno import ENOSYS
from syscalltbl.tables.read import parse_table
from syscalltbl.tables.target import default

# From syscall_32.tbl itself, so the test states the table's numbering, not a copy of it.
I386 = {e.name: e.number for e in parse_table(default().table_32).entries if e.abi == "i386"}


def _exit_with_buffer(label: str) -> str:
    """Write the 8-byte value at `label` to stdout with the 64-bit write, then exit 0."""
    return f"""
	movl	$__NR_write, %eax
	movl	$1, %edi
	leaq	{label}(%rip), %rsi
	movl	$8, %edx
	syscall
	movl	$__NR_exit_group, %eax
	xorl	%edi, %edi
	syscall
"""


def test_getpid_both_ways(tmp_path: Path) -> None:
    assert (I386["getpid"], Programs(tmp_path).nr("getpid")) == (20, 39)
    # Same pid from int $0x80 with eax=20 and from syscall with eax=39; int
    # $0x80 preserves rcx and r11 (syscall does not), checked against markers.
    res = Programs(tmp_path).run("""
_start:
	movl	$20, %eax
	movabsq	$0x1111222233334444, %rcx
	movabsq	$0x5555666677778888, %r11
	int	$0x80
	movq	%rax, pids(%rip)
	movq	%rcx, saved(%rip)
	movq	%r11, saved+8(%rip)
	movl	$39, %eax
	syscall
	movq	%rax, pids+8(%rip)
	movl	$__NR_write, %eax
	movl	$1, %edi
	leaq	pids(%rip), %rsi
	movl	$32, %edx
	syscall
	movl	$__NR_exit_group, %eax
	xorl	%edi, %edi
	syscall
	.data
pids:	.quad 0, 0
saved:	.quad 0, 0
""")
    assert res.status.code == 0, res.status
    via_int80, via_syscall, rcx, r11 = struct.unpack("<4Q", res.stdout)
    assert via_int80 == via_syscall == 1  # the first task
    assert (rcx, r11) == (0x1111222233334444, 0x5555666677778888)


def _int80_result(tmp_path: Path, eax: int) -> int:
    res = Programs(tmp_path).run(f"""
_start:
	movl	${eax}, %eax
	int	$0x80
	movq	%rax, out(%rip)
{_exit_with_buffer("out")}
	.data
out:	.quad 0
""")
    assert res.status.code == 0, res.status
    return int(struct.unpack("<q", res.stdout)[0])


def test_hole_in_the_i386_table_is_enosys(tmp_path: Path) -> None:
    assert 222 not in I386.values() and 221 in I386.values()  # a numbering hole in syscall_32.tbl
    assert _int80_result(tmp_path, 222) == -ENOSYS


def test_number_past_the_table_is_enosys(tmp_path: Path) -> None:
    past = max(I386.values()) + 1
    assert _int80_result(tmp_path, past) == -ENOSYS
    # eax is 32 bits and unsigned to do_int80_syscall_32: -1 is far past the end too.
    assert _int80_result(tmp_path, -1) == -ENOSYS


def test_compat_only_entry_is_enosys(tmp_path: Path) -> None:
    # lseek is compat_sys_lseek on an x86-64 kernel: not the 64-bit sys_lseek.
    assert _int80_result(tmp_path, I386["lseek"]) == -ENOSYS


def test_write_with_ebx_ecx_edx(tmp_path: Path) -> None:
    # The buffer must sit below 4 GiB: ecx carries only 32 bits. Upper halves
    # of the argument registers are garbage the kernel must ignore.
    res = Programs(tmp_path).run(f"""
_start:
	movabsq	$0xdead000000000001, %rbx
	movabsq	$0xdead000000000000, %rcx
	orq	$msg, %rcx
	movabsq	$0xdead000000000000, %rdx
	orq	$len, %rdx
	movl	${I386["write"]}, %eax
	int	$0x80
	movq	%rax, out(%rip)
{_exit_with_buffer("out")}
	.data
msg:	.ascii	"hello via int 0x80\\n"
	.set	len, . - msg
out:	.quad 0
""")
    assert res.status.code == 0, res.status
    assert res.stdout[:-8] == b"hello via int 0x80\n"
    assert struct.unpack("<q", res.stdout[-8:])[0] == len(b"hello via int 0x80\n")


def test_exit_via_int80_and_ring_3_afterwards(tmp_path: Path) -> None:
    # After iretq the task is in ring 3 again: hlt must kill it with SIGSEGV (#GP).
    res = Programs(tmp_path).run(f"""
_start:
	movl	${I386["getpid"]}, %eax
	int	$0x80
	hlt
""")
    assert (res.status.code, res.status.signal) == (None, 11)
    res = Programs(tmp_path).run(f"""
_start:
	movl	${I386["exit"]}, %eax
	movl	$7, %ebx
	int	$0x80
""")
    assert (res.status.code, res.status.signal) == (7, None)


def test_without_ia32_emulation_int80_is_sigsegv(tmp_path: Path) -> None:
    # Linux's ia32_emulation=false: no user-accessible IDT entry, so #GP.
    res = Programs(tmp_path).run("_start:\n\tmovl\t$20, %eax\n\tint\t$0x80\n\tud2\n", ia32_emulation=False)
    assert (res.status.code, res.status.signal) == (None, 11)
