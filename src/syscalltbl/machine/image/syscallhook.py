"""The `syscall` instruction's hook, in machine code: assembled and linked as a shared object by binutils.

Unicorn performs no ring switch for `syscall`; its hook stores the address
of the next instruction where the gate's microcode reads it (RCX := next
RIP) and resumes at the call-gate trampoline (kernel/trap.py). That is one
register read, one store into RAM and one register write, the same for
every call: in Python it cost a ctypes callback and two ctypes calls, about
half of the Python time of a getpid. Here it is a dozen instructions.
"""

from __future__ import annotations

from pathlib import Path

from syscalltbl.machine.image.toolchain import build_elf

SYMBOL = "syscall_insn_hook"

#: struct syscall_hook, shared with kernel/trap.py's ctypes Structure: five 64-bit words.
SOURCE = f"""\
/* void {SYMBOL}(uc_engine *uc, struct syscall_hook *hook) */
	.set	HOOK_REG_READ, 0	/* uc_reg_read, from the library the binding loaded */
	.set	HOOK_REG_WRITE, 8	/* uc_reg_write */
	.set	HOOK_RIP_ID, 16		/* UC_X86_REG_RIP */
	.set	HOOK_NEXT_RIP, 24	/* host address of the kernel's syscall_next_rip */
	.set	HOOK_RESUME, 32		/* the trampoline's address less the 2 bytes Unicorn adds after the hook */
	.set	SYSCALL_INSN_LEN, 2

	.text
	.globl	{SYMBOL}
	.type	{SYMBOL}, @function
{SYMBOL}:
	pushq	%rbx
	pushq	%r12
	subq	$24, %rsp			/* a slot for RIP; the stack 16-byte aligned at the calls */
	movq	%rdi, %r12			/* uc */
	movq	%rsi, %rbx			/* hook */
	movl	HOOK_RIP_ID(%rbx), %esi
	movq	%rsp, %rdx
	call	*HOOK_REG_READ(%rbx)		/* uc_reg_read(uc, UC_X86_REG_RIP, &slot) */
	movq	(%rsp), %rax
	addq	$SYSCALL_INSN_LEN, %rax
	movq	HOOK_NEXT_RIP(%rbx), %rcx
	movq	%rax, (%rcx)			/* syscall_next_rip = RIP + 2 */
	movq	%r12, %rdi
	movl	HOOK_RIP_ID(%rbx), %esi
	leaq	HOOK_RESUME(%rbx), %rdx
	call	*HOOK_REG_WRITE(%rbx)		/* uc_reg_write(uc, UC_X86_REG_RIP, &hook->resume) */
	addq	$24, %rsp
	popq	%r12
	popq	%rbx
	ret
	.size	{SYMBOL}, .-{SYMBOL}
	.section .note.GNU-stack,"",@progbits
"""


def build_syscall_hook() -> Path:
    """The shared object defining SYMBOL, cached by the hash of its source."""
    return build_elf({"syscallhook.S": SOURCE}, linker_script=None, entry=SYMBOL, name="syscallhook.so",
                     soname="syscallhook.so")  # fmt: skip
