/* With the machine's RAM full, fork and exec fail with ENOMEM at every count of free frames,
 * and whatever they had taken is given back. Runs on a machine with little RAM. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf out_of_ram;

static void on_segv(int sig) { (void)sig; siglongjmp(out_of_ram, 1); }

static long free_frames(void)
{
	struct sysinfo si;

	sysinfo(&si);
	return (long)(si.freeram * si.mem_unit / 4096);
}

/* The stack below main's frame, paged in now: once RAM is full there is no frame for it. */
static void __attribute__((noinline)) page_in_stack(void)
{
	volatile char stack[256 * 1024];

	for (size_t i = 0; i < sizeof stack; i += 4096)
		stack[i] = 1;
}

int main(int argc, char **argv)
{
	static char *big;
	static volatile size_t touched;
	size_t len = (size_t)1 << 30;
	struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_NODEFER };

	if (argc > 1)
		return 0;  /* the exec'd copy, when there was room */
	setvbuf(stdout, NULL, _IONBF, 0);
	page_in_stack();
	printf("%s", "");  /* stdio's buffers, too */
	sigaction(SIGSEGV, &sa, NULL);
	big = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!sigsetjmp(out_of_ram, 1))
		for (; touched < len; touched += 4096)
			big[touched] = 1;  /* until no frame is left: SIGSEGV */
	int forks_refused = 0, execs_refused = 0, leaks = 0;

	for (long want = 0; want <= 12; want++) {
		while (free_frames() < want && touched) {
			touched -= 4096;
			munmap(big + touched, 4096);
		}
		long before = free_frames();
		pid_t child = fork();

		if (child == 0)
			_exit(0);
		if (child > 0)
			waitpid(child, NULL, 0);
		else
			forks_refused += errno == ENOMEM;
		leaks += free_frames() != before;
		before = free_frames();
		char *args[] = { argv[0], "again", NULL };

		execv("/proc/self/exe", args);  /* returns only when refused */
		execs_refused += errno == ENOMEM;
		leaks += free_frames() != before;
	}
	printf("forks refused %d, execs refused %d, frames not given back %d\n", forks_refused, execs_refused, leaks);
	return 0;
}
