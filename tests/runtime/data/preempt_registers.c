/* Every register of a task survives preemption, rcx and r11 included.
 *
 * check_registers keeps a value in each general register, advances them
 * all every round, and compares each with its copy in memory in a block
 * of its own, so that the tick stops it between any two of them. The
 * flags (CF, DF) are carried across a block boundary; %fs and %gs are
 * read through their bases, and xmm registers through a store. Meanwhile
 * a forked child spins with other values in all of these (other fs and gs
 * bases, DF set), so a register that is not saved and restored when the
 * cpu switches shows up as a difference.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 3000000

unsigned long expected[16];
unsigned long rounds_left, saved_rsp, flags_seen, xmm_seen;
__thread unsigned long tls_magic = 0x7e57f5;
static unsigned long gs_area[512] = {0x6a5a};
static unsigned long other_area[1024];
long check_registers(unsigned long rounds);
void spin_registers(void);


__asm__(
    "	.text\n"
    "	.globl	check_registers\n"
    "check_registers:\n"
    "	pushq	%rbx\n	pushq	%rbp\n	pushq	%r12\n	pushq	%r13\n	pushq	%r14\n	pushq	%r15\n"
    "	movq	%rdi, rounds_left(%rip)\n"
    "	movq	%rsp, saved_rsp(%rip)\n"
    "	movq	expected+0*8(%rip), %rax\n	movq	expected+1*8(%rip), %rbx\n"
    "	movq	expected+2*8(%rip), %rcx\n	movq	expected+3*8(%rip), %rdx\n"
    "	movq	expected+4*8(%rip), %rsi\n	movq	expected+5*8(%rip), %rdi\n"
    "	movq	expected+6*8(%rip), %rbp\n	movq	expected+7*8(%rip), %r8\n"
    "	movq	expected+8*8(%rip), %r9\n	movq	expected+9*8(%rip), %r10\n"
    "	movq	expected+10*8(%rip), %r11\n	movq	expected+11*8(%rip), %r12\n"
    "	movq	expected+12*8(%rip), %r13\n	movq	expected+13*8(%rip), %r14\n"
    "	movq	expected+14*8(%rip), %r15\n"
    "1:	addq	$1, %rax\n	addq	$1, expected+0*8(%rip)\n"
    "	addq	$3, %rbx\n	addq	$3, expected+1*8(%rip)\n"
    "	addq	$5, %rcx\n	addq	$5, expected+2*8(%rip)\n"
    "	addq	$7, %rdx\n	addq	$7, expected+3*8(%rip)\n"
    "	addq	$9, %rsi\n	addq	$9, expected+4*8(%rip)\n"
    "	addq	$11, %rdi\n	addq	$11, expected+5*8(%rip)\n"
    "	addq	$13, %rbp\n	addq	$13, expected+6*8(%rip)\n"
    "	addq	$15, %r8\n	addq	$15, expected+7*8(%rip)\n"
    "	addq	$17, %r9\n	addq	$17, expected+8*8(%rip)\n"
    "	addq	$19, %r10\n	addq	$19, expected+9*8(%rip)\n"
    "	addq	$21, %r11\n	addq	$21, expected+10*8(%rip)\n"
    "	addq	$23, %r12\n	addq	$23, expected+11*8(%rip)\n"
    "	addq	$25, %r13\n	addq	$25, expected+12*8(%rip)\n"
    "	addq	$27, %r14\n	addq	$27, expected+13*8(%rip)\n"
    "	addq	$29, %r15\n	addq	$29, expected+14*8(%rip)\n"
    "	movq	%rax, %xmm0\n	movq	%rcx, %xmm8\n	movq	%r11, %xmm15\n"
    "	cmpq	%r11, expected+10*8(%rip)\n	jne	8f\n"
    "	cmpq	%rax, expected+0*8(%rip)\n	jne	8f\n"
    "	cmpq	%rbx, expected+1*8(%rip)\n	jne	8f\n"
    "	cmpq	%rcx, expected+2*8(%rip)\n	jne	8f\n"
    "	cmpq	%rdx, expected+3*8(%rip)\n	jne	8f\n"
    "	cmpq	%rsi, expected+4*8(%rip)\n	jne	8f\n"
    "	cmpq	%rdi, expected+5*8(%rip)\n	jne	8f\n"
    "	cmpq	%rbp, expected+6*8(%rip)\n	jne	8f\n"
    "	cmpq	%r8, expected+7*8(%rip)\n	jne	8f\n"
    "	cmpq	%r9, expected+8*8(%rip)\n	jne	8f\n"
    "	cmpq	%r10, expected+9*8(%rip)\n	jne	8f\n"
    "	cmpq	%r12, expected+11*8(%rip)\n	jne	8f\n"
    "	cmpq	%r13, expected+12*8(%rip)\n	jne	8f\n"
    "	cmpq	%r14, expected+13*8(%rip)\n	jne	8f\n"
    "	cmpq	%r15, expected+14*8(%rip)\n	jne	8f\n"
    "	cmpq	%rsp, saved_rsp(%rip)\n	jne	8f\n"
    "	cmpq	$0x7e57f5, %fs:tls_magic@tpoff\n	jne	8f\n"
    "	cmpq	$0x6a5a, %gs:0\n	jne	8f\n"
    "	movq	%xmm0, xmm_seen(%rip)\n	cmpq	%rax, xmm_seen(%rip)\n	jne	8f\n"
    "	movq	%xmm8, xmm_seen(%rip)\n	cmpq	%rcx, xmm_seen(%rip)\n	jne	8f\n"
    "	movq	%xmm15, xmm_seen(%rip)\n	cmpq	%r11, xmm_seen(%rip)\n	jne	8f\n"
    "	stc\n	jmp	2f\n"
    "2:	jnc	8f\n"
    "	std\n	jmp	3f\n"
    "3:	pushfq\n	popq	flags_seen(%rip)\n	cld\n"
    "	testq	$0x400, flags_seen(%rip)\n	jz	8f\n"
    "	decq	rounds_left(%rip)\n	jnz	1b\n"
    "	xorl	%eax, %eax\n	jmp	9f\n"
    "8:	cld\n	movq	rounds_left(%rip), %rax\n"
    "9:	popq	%r15\n	popq	%r14\n	popq	%r13\n	popq	%r12\n	popq	%rbp\n	popq	%rbx\n"
    "	ret\n"
    "	.globl	spin_registers\n"
    "spin_registers:\n"
    "	std\n"
    "	movq	$-1, %rax\n	movq	$-2, %rbx\n	movq	$-3, %rcx\n	movq	$-4, %rdx\n"
    "	movq	$-5, %rsi\n	movq	$-6, %rdi\n	movq	$-7, %rbp\n	movq	$-8, %r8\n"
    "	movq	$-9, %r9\n	movq	$-10, %r10\n	movq	$-11, %r11\n	movq	$-12, %r12\n"
    "	movq	$-13, %r13\n	movq	$-14, %r14\n	movq	$-15, %r15\n"
    "4:	notq	%rax\n	notq	%rbx\n	notq	%rcx\n	notq	%rdx\n	notq	%rsi\n"
    "	notq	%rdi\n	notq	%rbp\n	notq	%r8\n	notq	%r9\n	notq	%r10\n"
    "	notq	%r11\n	notq	%r12\n	notq	%r13\n	notq	%r14\n	notq	%r15\n"
    "	movq	%rbx, %xmm0\n	movq	%rdx, %xmm8\n	movq	%rsi, %xmm15\n"
    "	clc\n	jmp	4b\n");

int main(void) {
    for (int i = 0; i < 15; i++)
        expected[i] = 0x0123456789abcdefUL * (unsigned long)(i + 1) ^ 0xfedcba9876543210UL;
    fflush(stdout);
    pid_t spinner = fork();
    if (spinner == 0) {
        for (int i = 0; i < 1024; i++)
            other_area[i] = 0xeeeeeeeeeeeeeeeeUL;
        syscall(SYS_arch_prctl, ARCH_SET_GS, &other_area[0]);
        syscall(SYS_arch_prctl, ARCH_SET_FS, &other_area[768]); /* no libc from here on */
        spin_registers();
    }
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, gs_area) != 0) {
        perror("arch_prctl");
        return 1;
    }
    long left = check_registers(ROUNDS);
    if (left == 0)
        printf("registers: %d rounds, all equal\n", ROUNDS);
    else
        printf("registers: different after %ld rounds\n", ROUNDS - left);
    kill(spinner, SIGKILL);
    int status;
    waitpid(spinner, &status, 0);
    printf("spinner killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return left == 0 ? 0 : 1;
}
