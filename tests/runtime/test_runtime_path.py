"""A user program's syscall runs ring 3 -> generated entry -> table -> Python -> sysretq."""

from __future__ import annotations

from pathlib import Path

import pytest
from userprog import Programs

from syscalltbl.generators.x86_64 import abi
from syscalltbl.generators.x86_64.kernel import nr_syscalls

EXIT_WITH_RAX = """
	movq	%rax, %rdi
	movl	$__NR_exit_group, %eax
	syscall
"""
EXIT_WITH_MINUS_RAX = "\tnegq\t%rax\n" + EXIT_WITH_RAX


@pytest.fixture
def programs(tmp_path: Path) -> Programs:
    return Programs(tmp_path)


def test_hello_and_exit_status(programs: Programs) -> None:
    result = programs.run("""
_start:
	movl	$__NR_write, %eax
	movl	$1, %edi
	leaq	msg(%rip), %rsi
	movl	$6, %edx
	syscall
	cmpq	$6, %rax
	jne	1f
	movl	$__NR_exit_group, %eax
	movl	$3, %edi
	syscall
1:	ud2
msg:	.ascii	"hello\\n"
""")
    assert result.stdout == b"hello\n"
    assert result.status.code == 3 and result.status.signal is None


def test_getpid_loop(programs: Programs) -> None:
    # 10000 calls must all agree; exit with the pid (the first task is pid 1).
    result = programs.run("""
_start:
	movl	$__NR_getpid, %eax
	syscall
	movq	%rax, %r12
	movl	$10000, %ebx
1:	movl	$__NR_getpid, %eax
	syscall
	cmpq	%rax, %r12
	jne	2f
	decl	%ebx
	jnz	1b
	movq	%r12, %rax
""" + EXIT_WITH_RAX + "2:\tud2\n")
    assert result.status.code == 1


def test_ids(programs: Programs) -> None:
    # exit code = getppid (0 for the first task) * 16 + (gettid == getpid)
    result = programs.run("""
_start:
	movl	$__NR_gettid, %eax
	syscall
	movq	%rax, %rbx
	movl	$__NR_getpid, %eax
	syscall
	xorl	%r12d, %r12d
	cmpq	%rax, %rbx
	sete	%r12b
	movl	$__NR_getppid, %eax
	syscall
	shlq	$4, %rax
	orq	%r12, %rax
""" + EXIT_WITH_RAX)
    assert result.status.code == 1


def test_registers_survive_a_syscall(programs: Programs) -> None:
    # Everything but rax, rcx and r11 comes back, as the syscall ABI promises.
    regs = ["rbx", "rbp", "rsi", "rdi", "rdx", "r8", "r9", "r10", "r12", "r13", "r14", "r15", "rsp"]
    setup = "".join(f"\tmovq\t${0x1111 * (i + 1)}, %{r}\n" for i, r in enumerate(regs) if r != "rsp")
    check = "".join(f"\tcmpq\t${0x1111 * (i + 1)}, %{r}\n\tjne\tbad\n" for i, r in enumerate(regs) if r != "rsp")
    result = programs.run(
        "_start:\n\tmovq\t%rsp, %rax\n\tmovq\t%rax, saved_rsp(%rip)\n" + setup
        + "\tmovl\t$__NR_getpid, %eax\n\tsyscall\n" + check
        + "\tcmpq\tsaved_rsp(%rip), %rsp\n\tjne\tbad\n\tmovl\t$0, %eax\n" + EXIT_WITH_RAX
        + "bad:\tmovl\t$1, %eax\n" + EXIT_WITH_RAX
        + "\t.data\nsaved_rsp:\t.quad 0\n"
    )
    assert result.status.code == 0


def test_rcx_and_r11_are_return_address_and_rflags(programs: Programs) -> None:
    result = programs.run("""
_start:
	pushfq
	popq	%rbx
	movl	$__NR_getpid, %eax
	syscall
after:
	leaq	after(%rip), %rdx
	xorl	%eax, %eax
	cmpq	%rdx, %rcx
	setne	%al
	cmpq	%rbx, %r11
	jne	bad
""" + EXIT_WITH_RAX + "bad:\tmovl\t$2, %eax\n" + EXIT_WITH_RAX)
    assert result.status.code == 0


def _hole(programs: Programs) -> int:
    numbers = {s.number for s in programs.syscalls}
    return next(n for n in range(nr_syscalls(programs.syscalls)) if n not in numbers)


def test_enosys_for_a_hole_in_the_table(programs: Programs) -> None:
    result = programs.run(f"_start:\n\tmovl\t${_hole(programs)}, %eax\n\tsyscall\n" + EXIT_WITH_MINUS_RAX)
    assert result.status.code == abi.ENOSYS


def test_enosys_past_the_table(programs: Programs) -> None:
    past = nr_syscalls(programs.syscalls)
    for nr in (past, past + 1000, 0x7FFFFFFF, -1):
        result = programs.run(f"_start:\n\tmovq\t${nr}, %rax\n\tsyscall\n" + EXIT_WITH_MINUS_RAX)
        assert result.status.code == abi.ENOSYS, nr


def test_enosys_for_an_entry_without_implementation(programs: Programs) -> None:
    result = programs.run("_start:\n\tmovl\t$__NR_ioperm, %eax\n\tsyscall\n" + EXIT_WITH_MINUS_RAX)
    assert result.status.code == abi.ENOSYS
    assert "ioperm" in {s.name for s in result.machine.unimplemented()}


def test_upper_half_of_rax_is_ignored(programs: Programs) -> None:
    # The kernel passes nr as an int (movslq %eax): 0x1_0000_0027 is getpid.
    result = programs.run(
        f"_start:\n\tmovabsq\t$0x100000000+{programs.nr('getpid')}, %rax\n\tsyscall\n" + EXIT_WITH_RAX
    )
    assert result.status.code == 1


def test_read_from_stdin(programs: Programs) -> None:
    result = programs.run("""
_start:
	subq	$64, %rsp
	movl	$__NR_read, %eax
	xorl	%edi, %edi
	movq	%rsp, %rsi
	movl	$64, %edx
	syscall
	movq	%rax, %rdx
	movl	$__NR_write, %eax
	movl	$1, %edi
	movq	%rsp, %rsi
	syscall
""" + EXIT_WITH_RAX, stdin=b"echo me")
    assert result.stdout == b"echo me"
    assert result.status.code == 7


def test_write_to_a_closed_fd_is_ebadf(programs: Programs) -> None:
    result = programs.run("""
_start:
	movl	$__NR_write, %eax
	movl	$7, %edi
	leaq	_start(%rip), %rsi
	movl	$1, %edx
	syscall
""" + EXIT_WITH_MINUS_RAX)
    assert result.status.code == 9


def test_brk_grows_the_heap(programs: Programs) -> None:
    result = programs.run("""
_start:
	movl	$__NR_brk, %eax
	xorl	%edi, %edi
	syscall
	movq	%rax, %rbx
	leaq	8192(%rbx), %rdi
	movl	$__NR_brk, %eax
	syscall
	leaq	8192(%rbx), %rdx
	cmpq	%rdx, %rax
	jne	bad
	movq	$42, 8000(%rbx)
	movq	8000(%rbx), %rax
""" + EXIT_WITH_RAX + "bad:\tud2\n")
    assert result.status.code == 42


def test_uname(programs: Programs) -> None:
    result = programs.run("""
_start:
	subq	$400, %rsp
	movl	$__NR_uname, %eax
	movq	%rsp, %rdi
	syscall
	movl	$__NR_write, %eax
	movl	$1, %edi
	movq	%rsp, %rsi
	movl	$5, %edx
	syscall
	leaq	260(%rsp), %rsi
	movl	$__NR_write, %eax
	movl	$6, %edx
	syscall
	xorl	%eax, %eax
""" + EXIT_WITH_RAX)
    assert result.stdout == b"Linuxx86_64"


def test_arch_prctl_sets_fs_base(programs: Programs) -> None:
    result = programs.run("""
_start:
	movl	$__NR_arch_prctl, %eax
	movl	$0x1002, %edi
	leaq	tls(%rip), %rsi
	syscall
	movq	%fs:0, %rax
""" + EXIT_WITH_RAX + "\t.data\ntls:\t.quad 77\n")
    assert result.status.code == 77


def test_machine_runs_programs_one_after_another(programs: Programs) -> None:
    first = programs.run("_start:\n\tmovl\t$__NR_getpid, %eax\n\tsyscall\n" + EXIT_WITH_RAX)
    second = programs.run(
        "_start:\n\tmovl\t$__NR_getpid, %eax\n\tsyscall\n" + EXIT_WITH_RAX, machine=first.machine
    )
    assert (first.status.code, second.status.code) == (1, 2)


def test_brk_shrink_unmaps(programs: Programs) -> None:
    result = programs.run("""
_start:
	movl	$__NR_brk, %eax
	xorl	%edi, %edi
	syscall
	movq	%rax, %rbx
	leaq	8192(%rbx), %rdi
	movl	$__NR_brk, %eax
	syscall
	movq	$1, 4096(%rbx)
	movq	%rbx, %rdi
	movl	$__NR_brk, %eax
	syscall
	movq	4096(%rbx), %rax
""" + EXIT_WITH_RAX)
    assert result.status.signal == 11


def test_a_failing_kernel_service_surfaces_on_the_host(programs: Programs) -> None:
    def broken(*_: object) -> int:
        raise ZeroDivisionError("bug in a handler")

    with pytest.raises(ZeroDivisionError, match="bug in a handler"):
        programs.run("_start:\n\tmovl\t$__NR_getpid, %eax\n\tsyscall\n\tud2\n", handlers={"sys_getpid": broken})
