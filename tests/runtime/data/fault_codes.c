/*
 * sigcontext.err of page faults, natively and on the machine: Unicorn gives
 * no error code, so the kernel side works it out (machine/kernel/faults.py).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf escape;
static long error_code;

static void on_fault(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	error_code = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_ERR];
	siglongjmp(escape, 1);
}

__attribute__((noinline)) static int load(volatile int *p)
{
	return *p;
}

#define TRY(name, statement)                                  \
	do {                                                  \
		error_code = -1;                              \
		if (!sigsetjmp(escape, 1)) {                  \
			statement;                            \
		}                                             \
		printf("%-28s err=%ld\n", name, error_code); \
	} while (0)

int main(void)
{
	struct sigaction sa;
	void *unmapped = (void *)0x10000;
	int *used, *readonly;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	TRY("read unmapped", load(unmapped));
	TRY("push [unmapped]", __asm__ volatile("push (%0); pop %%rax" ::"r"(unmapped) : "rax", "memory"));
	TRY("call [unmapped]", __asm__ volatile("call *(%0)" ::"r"(unmapped) : "memory"));
	TRY("movsb from unmapped", ({
		    char buffer[8];
		    __asm__ volatile("rep movsb" ::"S"(unmapped), "D"(buffer), "c"(1) : "memory");
	    }));
	TRY("write kernel address", *(volatile int *)0xffffffff81000000UL = 1);
	TRY("read kernel address", load((void *)0xffffffff81000000UL));
	used = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	load(used);
	munmap(used, 4096);
	TRY("read after munmap", load(used));
	readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TRY("write untouched read-only", *(volatile int *)readonly = 1);
	TRY("write it again", *(volatile int *)readonly = 1);
	return 0;
}
