/* Guard pages, PR_SET_TSC and get_robust_list's permission check, held to Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif
#define PAGE 4096

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
	printf("SIGSEGV code %d\n", info->si_code);
	fflush(stdout);
	_exit(3);
}

static int child_status(void)
{
	int status;
	wait(&status);
	return WIFSIGNALED(status) ? 100 + WTERMSIG(status) : WEXITSTATUS(status);
}

int main(void)
{
	char *area = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(area, 'x', 4 * PAGE);
	say("guard", madvise(area + PAGE, 2 * PAGE, MADV_GUARD_INSTALL));
	say("guard again", madvise(area + PAGE, PAGE, MADV_GUARD_INSTALL));
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t entries[4];
	pread(fd, entries, sizeof(entries), (uintptr_t)area / PAGE * 8);
	for (int i = 0; i < 4; i++)
		printf("pagemap %d: present %d guard %d\n", i, (int)(entries[i] >> 63), (int)(entries[i] >> 58 & 1));
	int pipes[2];
	pipe(pipes);
	write(pipes[1], "data", 4);
	say("read into a guard", read(pipes[0], area + PAGE, 4));
	say("write from a guard", write(pipes[1], area + 2 * PAGE, 4));
	fflush(stdout);
	if (fork() == 0) {
		struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};
		sigaction(SIGSEGV, &sa, NULL);
		area[PAGE + 10] = 1;
		_exit(0);
	}
	printf("child touching a guard: %d\n", child_status());
	say("remove", madvise(area, 4 * PAGE, MADV_GUARD_REMOVE));
	printf("after remove: %d %c\n", area[PAGE], area[0]);
	mlock(area, PAGE);
	say("guard over locked", madvise(area, PAGE, MADV_GUARD_INSTALL));
	munlock(area, PAGE);

	int mode = -1;
	say("get tsc", prctl(PR_GET_TSC, &mode));
	printf("tsc mode: %d\n", mode);
	say("set tsc 3", prctl(PR_SET_TSC, 3));
	fflush(stdout);
	if (fork() == 0) {
		prctl(PR_SET_TSC, PR_TSC_SIGSEGV);
		prctl(PR_GET_TSC, &mode);
		printf("child tsc mode: %d\n", mode);
		fflush(stdout);
		if (fork() == 0) {
			uint32_t lo, hi;
			__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
			_exit(0);
		}
		printf("grandchild's rdtsc: %d\n", child_status());
		fflush(stdout);
		prctl(PR_SET_TSC, PR_TSC_ENABLE);
		uint32_t lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		_exit(7);
	}
	printf("child: %d\n", child_status());

	pid_t parent = getpid();
	fflush(stdout);
	if (fork() == 0) {
		void *head;
		size_t len;
		say("robust list of the parent", syscall(SYS_get_robust_list, parent, &head, &len));
		setuid(1);
		say("robust list of root's process", syscall(SYS_get_robust_list, parent, &head, &len));
		say("own robust list", syscall(SYS_get_robust_list, 0, &head, &len));
		fflush(stdout);
		_exit(0);
	}
	child_status();
	printf("done\n");
	return 0;
}
