/* execve each file named on the command line twice, each time in a child: one line per exec, the child's exit
 * status (or 128 + its signal) or the errno of its failed execve. Run natively and on the machine from the
 * same files, the output must be the same (test_runtime_elf_hostile.py writes hostile ELF files for it). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void run(const char *path) {
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		execve(path, (char *[]){(char *)path, NULL}, (char *[]){NULL});
		printf("%s: execve failed: %s\n", path, strerrorname_np(errno));
		fflush(stdout);
		_exit(100);
	}
	int status = 0;
	waitpid(child, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 100) return;
	printf("%s: status %d\n", path, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) open(argv[i], O_RDONLY);  /* kept open: the file stays in use */
	for (int i = 1; i < argc; i++) {
		run(argv[i]);
		run(argv[i]);
	}
	return 0;
}
