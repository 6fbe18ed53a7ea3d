"""The interrupt line's block hook, in machine code: assembled and linked as a shared object by binutils.

Unicorn can stop a running cpu from another thread (uc_emu_stop), but when it
does so inside a loop of several translated blocks RIP reads stale: it names
an earlier block than the registers belong to, and resuming there computes
the wrong thing (measured: shared/notes/unicorn-preemption.md). A block hook
that calls uc_emu_stop itself stops exactly before the block whose start
RIP reports. Written in Python, that hook would cost a callback per block;
written here it costs two instructions while the line is low.
"""

from __future__ import annotations

from pathlib import Path

from syscalltbl.machine.image.toolchain import build_elf

SYMBOL = "irq_block_hook"

#: struct irq_line, shared with hw/irq.py's ctypes Structure: three 64-bit words.
SOURCE = f"""\
/* void {SYMBOL}(uc_engine *uc, uint64_t address, uint32_t size, struct irq_line *line) */
	.set	LINE_RAISED, 0		/* set by any thread: stop before the next user-mode block */
	.set	LINE_EMU_STOP, 8	/* uc_emu_stop, from the library the binding loaded */
	.set	LINE_FIRED, 16		/* set here: the cpu stopped at a block start, RIP exact */

	.text
	.globl	{SYMBOL}
	.type	{SYMBOL}, @function
{SYMBOL}:
	cmpq	$0, LINE_RAISED(%rcx)
	jne	1f
	ret
1:	xorl	%eax, %eax
	xchgq	%rax, LINE_RAISED(%rcx)		/* take the request once, even if raised again meanwhile */
	movq	$1, LINE_FIRED(%rcx)
	jmp	*LINE_EMU_STOP(%rcx)		/* tail call uc_emu_stop(uc): %rdi is still uc */
	.size	{SYMBOL}, .-{SYMBOL}
	.section .note.GNU-stack,"",@progbits
"""


def build_irq_hook() -> Path:
    """The shared object defining SYMBOL, cached by the hash of its source."""
    return build_elf({"irqhook.S": SOURCE}, linker_script=None, entry=SYMBOL, name="irqhook.so", soname="irqhook.so")
