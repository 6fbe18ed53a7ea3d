"""The system-call trap's code hook, in machine code: the two clock reads around the Python dispatch.

A task's system time is the time its calls spend in the dispatch
(kernel/cputime.py). Read from Python, the clock before and after each call
cost about a third of a getpid's Python time (two calls of
time.monotonic_ns, their integers, the arithmetic and stores); here it is
two vDSO calls and a few instructions. The hook reads CLOCK_MONOTONIC (the
clock cputime.run_clock reads), keeps the call's start in `clock->call`
while the dispatch runs, then adds the call's time to `clock->stime`, which
the scheduler charges to the task when it switches it out.
"""

from __future__ import annotations

from pathlib import Path

from syscalltbl.machine.image.toolchain import build_elf

SYMBOL = "python_trap_hook"

#: struct trap_hook, shared with kernel/trap.py's ctypes Structure: three 64-bit words; `clock` points to
#: a struct syscall_clock, kernel/cputime.py's SyscallClock: two 64-bit words.
SOURCE = f"""\
/* void {SYMBOL}(uc_engine *uc, uint64_t address, uint32_t size, struct trap_hook *hook) */
	.set	HOOK_CLOCK_GETTIME, 0	/* the C library's clock_gettime */
	.set	HOOK_DISPATCH, 8	/* void dispatch(void): the Python dispatch, a ctypes callback */
	.set	HOOK_CLOCK, 16		/* struct syscall_clock * */
	.set	CLOCK_CALL, 0		/* ns: the call in progress began; 0 outside a call */
	.set	CLOCK_STIME, 8		/* ns of calls not yet charged to a task */
	.set	CLOCK_MONOTONIC, 1
	.set	NSEC_PER_SEC, 1000000000

	.text
	.globl	{SYMBOL}
	.type	{SYMBOL}, @function
{SYMBOL}:
	pushq	%rbx
	subq	$16, %rsp			/* a struct timespec; the stack 16-byte aligned at the calls */
	movq	%rcx, %rbx			/* hook */
	movl	$CLOCK_MONOTONIC, %edi
	movq	%rsp, %rsi
	call	*HOOK_CLOCK_GETTIME(%rbx)
	imulq	$NSEC_PER_SEC, (%rsp), %rax
	addq	8(%rsp), %rax
	movq	HOOK_CLOCK(%rbx), %rcx
	movq	%rax, CLOCK_CALL(%rcx)		/* clock->call = now */
	call	*HOOK_DISPATCH(%rbx)
	movl	$CLOCK_MONOTONIC, %edi
	movq	%rsp, %rsi
	call	*HOOK_CLOCK_GETTIME(%rbx)
	imulq	$NSEC_PER_SEC, (%rsp), %rax
	addq	8(%rsp), %rax
	movq	HOOK_CLOCK(%rbx), %rcx
	subq	CLOCK_CALL(%rcx), %rax
	addq	%rax, CLOCK_STIME(%rcx)		/* clock->stime += now - clock->call */
	movq	$0, CLOCK_CALL(%rcx)
	addq	$16, %rsp
	popq	%rbx
	ret
	.size	{SYMBOL}, .-{SYMBOL}
	.section .note.GNU-stack,"",@progbits
"""


def build_trap_hook() -> Path:
    """The shared object defining SYMBOL, cached by the hash of its source."""
    return build_elf({"traphook.S": SOURCE}, linker_script=None, entry=SYMBOL, name="traphook.so",
                     soname="traphook.so")  # fmt: skip
