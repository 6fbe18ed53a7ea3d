/* With the machine's RAM full, fork and exec fail with ENOMEM at every count of free frames,
 * and whatever they had taken is given back. Runs on a machine with little RAM. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

static char *pages[1 << 16];  /* every page mapped to fill RAM, to give back one at a time */
static size_t mapped;

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

/* Private copies of the program's own file, `len` bytes each, until mmap says ENOMEM: a copy is made
 * at mmap time, all of it or none, so RAM fills without a page fault (which would call the OOM killer). */
static void fill(int fd, size_t len)
{
	for (;;) {
		char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p == MAP_FAILED)
			return;
		for (size_t off = 0; off < len && mapped < sizeof pages / sizeof *pages; off += 4096)
			pages[mapped++] = p + off;
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return 0;  /* the exec'd copy, when there was room */
	setvbuf(stdout, NULL, _IONBF, 0);
	page_in_stack();
	printf("%s", "");  /* stdio's buffers, too */
	int fd = open("/proc/self/exe", O_RDONLY);
	size_t size = (size_t)lseek(fd, 0, SEEK_END) & ~(size_t)4095;

	fill(fd, size);
	fill(fd, 4096);  /* the last frames, one page at a time */
	int forks_refused = 0, execs_refused = 0, leaks = 0;

	for (long want = 0; want <= 12; want++) {
		while (free_frames() < want && mapped)
			munmap(pages[--mapped], 4096);
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
