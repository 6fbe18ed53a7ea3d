/* Children killed by faults in user mode, and a parent that goes on faulting (demand paging) after each. */
#define _GNU_SOURCE
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

static const struct { const char *name; void (*run)(void); } deaths[] = {
	{ "NULL write", null_write }, { "divide by zero", divide }, { "ud2", undefined },
	{ "int3", breakpoint }, { "kernel read", kernel_read }, { "far call through entry 20", far_call },
};

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
	return 0;
}
