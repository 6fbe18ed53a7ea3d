/* A dynamic program forks, and the child execs another dynamic program (/bin/echo): both map libc. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		execl("/bin/echo", "echo", "child ran /bin/echo", (char *)NULL);
		perror("execl");
		_exit(127);
	}
	int status = 0;
	waitpid(child, &status, 0);
	printf("parent: child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
