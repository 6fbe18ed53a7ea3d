/* Children killed by faults in user mode, and a parent that goes on faulting (demand paging) after each. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void null_write(void) { *(volatile int *)0 = 1; }
static void divide(void) { __asm__ volatile("xorl %%ecx, %%ecx; movl $1, %%eax; cltd; idivl %%ecx" : : : "eax", "ecx", "edx"); }
static void undefined(void) { __asm__ volatile("ud2"); }
static void breakpoint(void) { __asm__ volatile("int3"); }
static void kernel_read(void) { printf("%d\n", *(volatile int *)0xffffffff81000000UL); }

/* A far call through GDT entry 20: past Linux's table, and the machine's own fault gate. */
static void far_call(void)
{
	static const struct { unsigned int offset; unsigned short selector; } __attribute__((packed)) target = { 0, 0xa3 };

	__asm__ volatile("lcall *%0" : : "m"(target));
}

/* The trap flag: a single step traps after the next instruction (SIGTRAP). */
static void single_step(void) { __asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; nop" : : : "memory"); }

static const struct { const char *name; void (*run)(void); } deaths[] = {
	{ "NULL write", null_write }, { "divide by zero", divide }, { "ud2", undefined },
	{ "int3", breakpoint }, { "kernel read", kernel_read }, { "far call through entry 20", far_call },
	{ "single step", single_step },
};

static volatile sig_atomic_t traps;
static sigjmp_buf caught;

static void on_segv(int sig, siginfo_t *info, void *context)
{
	(void)context;
	printf("far call caught: signal %d code %d\n", sig, info->si_code);
	siglongjmp(caught, 1);
}

static void on_trap(int sig, siginfo_t *info, void *context)
{
	ucontext_t *uc = context;

	traps += sig == SIGTRAP && info->si_code == TRAP_TRACE;
	uc->uc_mcontext.gregs[REG_EFL] &= ~0x100L;  /* stop stepping */
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; i < sizeof deaths / sizeof deaths[0]; i++) {
		int status;
		pid_t child = fork();

		if (child == 0) {
			deaths[i].run();
			_exit(0);
		}
		waitpid(child, &status, 0);
		/* Fresh pages for the parent: each one a page fault the kernel serves. */
		size_t size = (i + 1) << 20;
		char *fresh = malloc(size);

		memset(fresh, (int)i, size);
		printf("%-26s child killed by %s; parent touched %zu fresh bytes, last %d\n", deaths[i].name,
		       WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "nothing", size, fresh[size - 1]);
		free(fresh);
	}

	/* Stepping into a system call: the handler sees the step trap, the kernel never does. */
	struct sigaction sa = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO };

	sigaction(SIGTRAP, &sa, NULL);
	__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; movl $39, %%eax; syscall; nop"
			 : : : "rax", "rcx", "r11", "memory");
	printf("single-step traps around a system call: %d\n", traps);

	/* The same far call, with a handler: a #GP it can catch, as on Linux. */
	struct sigaction segv = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };

	sigaction(SIGSEGV, &segv, NULL);
	if (!sigsetjmp(caught, 1))
		far_call();
	printf("went on after the far call\n");
	return 0;
}
