"""The path provably runs through the generated assembly and its MSR set-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from unicorn import x86_const as x86
from userprog import Programs

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.image.elfimage import read_image
from syscalltbl.machine.kernel.boot import KernelOops
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.machine import Machine

USER_VALUES = {
    "rbx": 0x1B, "rbp": 0xB9, "r12": 0x12, "r13": 0x13, "r14": 0x14, "r15": 0x15,
    "rdi": 0xD1, "rsi": 0x51, "rdx": 0xD2, "r10": 0x10, "r8": 0x08, "r9": 0x09,
}


@pytest.fixture
def programs(tmp_path: Path) -> Programs:
    return Programs(tmp_path)


def test_pt_regs_on_the_kernel_stack_hold_the_user_registers(programs: Programs) -> None:
    seen: dict[str, int] = {}
    setup = "".join(f"\tmovq\t${value:#x}, %{reg}\n" for reg, value in USER_VALUES.items())
    asm = ("_start:\n\tmovq\t%rsp, user_rsp(%rip)\n" + setup
           + "\tmovl\t$__NR_getpid, %eax\n\tsyscall\nafter:\n"
           + "\txorl\t%edi, %edi\n\tmovl\t$__NR_exit_group, %eax\n\tsyscall\n"
           + "\t.data\nuser_rsp:\t.quad 0\n")
    user_rsp = read_image(programs.build(asm)).symbols["user_rsp"]

    def spy(t: Task, *_: int) -> int:
        # Read struct pt_regs where the generated entry pushed it, through
        # the kernel's own mapping of the kernel stack.
        cpu = t.cpu
        regs_va = cpu.reg(x86.UC_X86_REG_RDI)  # __x64_sys_*(const struct pt_regs *regs)
        words = [
            int.from_bytes(t.mm.ram.read(t.mm.kernel_frame(regs_va + off), 8), "little")
            for off in range(0, abi.PT_REGS_SIZE, 8)
        ]
        seen.update(zip(abi.PT_REGS, words, strict=True))
        seen.update(
            regs_va=regs_va, kstack_top=t.kstack_top, cpl=cpu.cpl(), kernel_cs=cpu.reg(x86.UC_X86_REG_CS),
            kernel_ss=cpu.reg(x86.UC_X86_REG_SS), kernel_rsp=cpu.reg(x86.UC_X86_REG_RSP),
        )
        # While the process lives: after its exit its areas are gone, and so is its memory.
        seen["user_rsp"] = int.from_bytes(copy_from_user(t.mm, user_rsp, 8), "little")
        return 0

    result = programs.run(asm, handlers={"sys_getpid": spy})
    assert result.status.code == 0
    symbols = read_image(result.program).symbols
    for reg, value in USER_VALUES.items():
        field = reg[1:] if reg in ("rbx", "rbp", "rdi", "rsi", "rdx") else reg
        assert seen[field] == value, reg
    assert seen["orig_ax"] == programs.nr("getpid")
    assert seen["ax"] == (-abi.ENOSYS) & (2**64 - 1)  # entry's default answer
    assert seen["ip"] == seen["cx"] == symbols["after"]  # syscall put the return address in rcx
    assert seen["sp"] == seen["user_rsp"]
    assert seen["cs"] == abi.USER_CS and seen["ss"] == abi.USER_DS
    assert seen["r11"] == seen["flags"]  # ... and rflags in r11
    assert seen["flags"] & abi.X86_EFLAGS["X86_EFLAGS_IF"]
    # pt_regs sits at the very top of this task's kernel stack, as task_pt_regs() expects.
    assert seen["regs_va"] == seen["kstack_top"] - abi.PT_REGS_SIZE
    # In the handler: ring 0, CS and SS from MSR_STAR, on the kernel stack.
    assert seen["cpl"] == 0
    assert seen["kernel_cs"] == abi.KERNEL_CS and seen["kernel_ss"] == abi.KERNEL_DS
    assert seen["regs_va"] - 64 < seen["kernel_rsp"] < seen["regs_va"]


def _kernel_rflags(t: Task, *_: int) -> int:
    return t.cpu.reg(x86.UC_X86_REG_EFLAGS)


# The user sets DF and AC, makes a system call that answers with the kernel's
# own RFLAGS, and exits with bit 0 = DF in the kernel, bit 1 = AC in the
# kernel, bit 2 = DF back in user mode (sysret restores it from r11).
FLAGS_PROGRAM = """
_start:
	pushfq
	orq	$0x40000, (%rsp)
	popfq
	std
	movl	$__NR_getpid, %eax
	syscall
	pushfq
	popq	%rbx
	cld
	xorl	%edi, %edi
	btq	$10, %rax
	adcl	$0, %edi
	btq	$18, %rax
	jnc	1f
	orl	$2, %edi
1:	btq	$10, %rbx
	jnc	2f
	orl	$4, %edi
2:	movl	$__NR_exit_group, %eax
	syscall
"""


def test_linux_syscall_mask_clears_df_and_ac_in_the_kernel(programs: Programs) -> None:
    result = programs.run(FLAGS_PROGRAM, handlers={"sys_getpid": _kernel_rflags})
    assert result.status.code == 0b100


def test_changing_the_generated_syscall_mask_changes_kernel_rflags(programs: Programs) -> None:
    mask = tuple(f for f in abi.LINUX_SYSCALL_MASK if f not in ("X86_EFLAGS_DF", "X86_EFLAGS_AC"))
    result = programs.run(FLAGS_PROGRAM, handlers={"sys_getpid": _kernel_rflags}, syscall_mask=mask)
    assert result.status.code == 0b111
    assert result.machine.cpu.msr(abi.MSR_SYSCALL_MASK) == sum(abi.X86_EFLAGS[f] for f in mask)


def test_syscall_init_programs_the_msrs(programs: Programs) -> None:
    result = programs.run("_start:\n\txorl\t%edi, %edi\n\tmovl\t$__NR_exit_group, %eax\n\tsyscall\n")
    cpu, kernel = result.machine.cpu, result.machine.kernel
    assert cpu.msr(abi.MSR_LSTAR) == kernel.symbol("entry_SYSCALL_64")
    assert cpu.msr(abi.MSR_STAR) == (abi.USER32_CS << 48) | (abi.KERNEL_CS << 32)
    assert cpu.msr(abi.MSR_SYSCALL_MASK) == 0x257FD5  # Linux's value
    assert cpu.msr(abi.MSR_EFER) & abi.EFER_SCE


def test_a_system_call_trap_with_no_task_running_is_a_kernel_oops() -> None:
    # The trap's hook (image/traphook.py) reads pt_regs where the scheduler said when it switched a task in;
    # before any task, a pt_regs of zeros, and the dispatch stops the machine with an error.
    machine = Machine()
    with pytest.raises(KernelOops, match="no task running"):
        machine.cpu.run(machine.kernel.symbol("__x64_python_trap"))
