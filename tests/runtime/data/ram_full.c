/* With the machine's RAM full, fork and exec fail with ENOMEM at every count of free frames,
 * and whatever they had taken is given back. Runs on a machine with little RAM.
 * An exec needs about 12 frames (the new kernel stack, page tables, kernel objects, whose bytes
 * are charged to RAM a frame at a time, so the exact count moves with what else the kernel
 * holds): counts up to 10 stay below it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

static int fill_fd = -1;  /* a file whose pages fill RAM, cut a page at a time to give them back */
static off_t filled;

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

/* A file's data takes RAM (the filesystem is as large as RAM here): written a page at a time until the
 * write fails, RAM fills without a page fault (which would call the OOM killer). */
static void fill(void)
{
	static char page[4096];

	fill_fd = open("/ram_full.fill", O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink("/ram_full.fill");
	while (write(fill_fd, page, sizeof page) == sizeof page)
		filled += sizeof page;
	if (ftruncate(fill_fd, filled))  /* not a partial page either */
		perror("ftruncate");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "again"))
		return 0;  /* the exec'd copy, when there was room */
	/* argv[1]: descriptors to open first, 256 bytes of kernel objects each, charged to RAM a frame at a
	 * time: each count leaves the last frame of kernel objects filled to another point. */
	for (int extra = argc > 1 ? atoi(argv[1]) : 0; extra > 0; extra--)
		if (dup(0) < 0)
			perror("dup");
	setvbuf(stdout, NULL, _IONBF, 0);
	page_in_stack();
	printf("%s", "");  /* stdio's buffers, too */
	fill();
	int forks_refused = 0, execs_refused = 0, leaks = 0;

	for (long want = 0; want <= 10; want++) {
		while (free_frames() < want && filled)
			if (ftruncate(fill_fd, filled -= 4096))
				perror("ftruncate");
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
