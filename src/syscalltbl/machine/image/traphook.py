"""The system-call trap's code hook, in machine code: the clock reads and the pt_regs loads and store around
the Python dispatch.

A task's system time is the time its calls spend in the dispatch
(kernel/cputime.py). Read from Python, the clock before and after each call
cost about a third of a getpid's Python time (two calls of a clock, their
integers, the arithmetic and stores); here it is two vDSO calls and a few
instructions. The hook reads CLOCK_MONOTONIC (the clock cputime.run_clock
reads), keeps the call's start in `clock->call` while the dispatch runs,
then adds the call's time to `clock->stime`, which the scheduler charges to
the task when it switches it out.

The number and the six arguments are loaded from the running task's pt_regs
(its address in this process is `*hook->regs`, which the scheduler sets when
it switches a task in) and passed to the dispatch, and what it answers is
stored in regs->ax: in Python, unpacking and packing them cost another
quarter. The number is orig_ax's low half, as do_syscall_64 indexes with it
((unsigned int)nr); the arguments are masked with `hook->mask` (all ones,
or the low halves for the i386 ABI).
"""

from __future__ import annotations

from pathlib import Path

from syscalltbl.machine.image.toolchain import build_elf

SYMBOL = "python_trap_hook"

#: struct trap_hook, shared with kernel/trap.py's ctypes Structure: 64-bit words. `clock` points to a struct
#: syscall_clock, kernel/cputime.py's SyscallClock (two words); `regs` to one word.
SOURCE = f"""\
/* void {SYMBOL}(uc_engine *uc, uint64_t address, uint32_t size, struct trap_hook *hook) */
	.set	HOOK_CLOCK_GETTIME, 0	/* the C library's clock_gettime */
	.set	HOOK_DISPATCH, 8	/* uint64_t dispatch(nr, a0, a1, a2, a3, a4, a5): Python, a ctypes callback */
	.set	HOOK_CLOCK, 16		/* struct syscall_clock * */
	.set	HOOK_REGS, 24		/* uint64_t *: the running task's pt_regs, as a host address */
	.set	HOOK_MASK, 32		/* the arguments' mask */
	.set	HOOK_AX, 40		/* offsets in pt_regs: ->ax, where the result goes */
	.set	HOOK_NR, 48		/* ->orig_ax */
	.set	HOOK_ARGS, 56		/* the six argument registers', in order */
	.set	CLOCK_CALL, 0		/* ns: the call in progress began; 0 outside a call */
	.set	CLOCK_STIME, 8		/* ns of calls not yet charged to a task */
	.set	CLOCK_MONOTONIC, 1
	.set	NSEC_PER_SEC, 1000000000

/* Load argument \\n (0-5) of pt_regs (%r12) into \\reg, masked (%r13) */
	.macro	load_arg n, reg
	movq	HOOK_ARGS+8*\\n(%rbx), %rax
	movq	(%r12,%rax), \\reg
	andq	%r13, \\reg
	.endm

/* CLOCK_MONOTONIC in ns into %rax, through the timespec at (%rsp); hook->clock into %rcx */
	.macro	monotonic_now
	movl	$CLOCK_MONOTONIC, %edi
	movq	%rsp, %rsi
	call	*HOOK_CLOCK_GETTIME(%rbx)
	imulq	$NSEC_PER_SEC, (%rsp), %rax
	addq	8(%rsp), %rax
	movq	HOOK_CLOCK(%rbx), %rcx
	.endm

	.text
	.globl	{SYMBOL}
	.type	{SYMBOL}, @function
{SYMBOL}:
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	subq	$16, %rsp			/* a struct timespec; the stack 16-byte aligned at the calls */
	movq	%rcx, %rbx			/* hook */
	monotonic_now
	movq	%rax, CLOCK_CALL(%rcx)		/* clock->call = now */

	movq	HOOK_REGS(%rbx), %r12
	movq	(%r12), %r12			/* regs */
	movq	HOOK_MASK(%rbx), %r13
	subq	$8, %rsp			/* the seventh argument goes on the stack, which stays aligned */
	load_arg 5, %rax
	pushq	%rax				/* a5 */
	load_arg 4, %r9
	load_arg 3, %r8
	load_arg 2, %rcx
	load_arg 1, %rdx
	load_arg 0, %rsi
	movq	HOOK_NR(%rbx), %rax
	movl	(%r12,%rax), %edi		/* nr: (unsigned int)regs->orig_ax */
	call	*HOOK_DISPATCH(%rbx)
	addq	$16, %rsp
	movq	HOOK_AX(%rbx), %rcx
	movq	%rax, (%r12,%rcx)		/* regs->ax = dispatch(...) */

	monotonic_now
	subq	CLOCK_CALL(%rcx), %rax
	addq	%rax, CLOCK_STIME(%rcx)		/* clock->stime += now - clock->call */
	movq	$0, CLOCK_CALL(%rcx)
	addq	$16, %rsp
	popq	%r13
	popq	%r12
	popq	%rbx
	ret
	.size	{SYMBOL}, .-{SYMBOL}
	.section .note.GNU-stack,"",@progbits
"""


def build_trap_hook() -> Path:
    """The shared object defining SYMBOL, cached by the hash of its source."""
    return build_elf({"traphook.S": SOURCE}, linker_script=None, entry=SYMBOL, name="traphook.so",
                     soname="traphook.so")  # fmt: skip
