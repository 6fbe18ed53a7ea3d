/* Memory on a small machine, under Linux's default overcommit heuristic: a mapping larger than RAM is
 * refused at once; smaller ones are granted, and touching more pages than RAM holds ends in the OOM
 * killer's SIGKILL of the biggest process (the toucher, not its small parent), whose RAM comes back. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void touch_forever(void)
{
	for (size_t mib = 0;; mib++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("mmap after %zu MiB: %s\n", mib, strerror(errno));
			_exit(1);
		}
		memset(p, 1, 1 << 20);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "alone") == 0)
		touch_forever();  /* the only process: the one the OOM killer picks */
	void *huge = mmap(NULL, (size_t)1 << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	printf("mmap 1 TiB: %s\n", huge == MAP_FAILED ? strerror(errno) : "granted");
	pid_t child = fork();

	if (child == 0)
		touch_forever();
	int status;

	waitpid(child, &status, 0);
	if (WIFSIGNALED(status))
		printf("toucher killed by signal %d\n", WTERMSIG(status));
	else
		printf("toucher exited with %d\n", WEXITSTATUS(status));
	char *again = malloc(8 << 20);

	memset(again, 2, 8 << 20);
	printf("8 MiB touched afterwards: %d\n", again[12345]);
	return 0;
}
