/*
 * forkpipe: the parent sends a line down a pipe to a forked child, which
 * upper-cases it to stdout and exits 3; the parent reaps it with wait4 and
 * reports what it saw.
 */
#include <syscall.h>

int main(int argc, char **argv, char **envp)
{
	int fds[2], status = 0;
	char buf[64];
	long pid, n, parent = getpid();

	if (pipe(fds) < 0)
		return 1;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		close(fds[1]);
		if (getppid() != parent)
			exit_group(10);
		n = read(fds[0], buf, sizeof(buf));
		for (long i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] -= 'a' - 'A';
		write(1, buf, n);
		n = read(fds[0], buf, sizeof(buf));	/* 0: the parent closed its end */
		exit_group(n == 0 ? 3 : 11);
	}
	close(fds[0]);
	write(fds[1], "through the pipe\n", 17);
	close(fds[1]);
	if (wait4(pid, &status, 0, 0) != pid)
		return 4;
	write(1, WIFEXITED(status) && WEXITSTATUS(status) == 3 ? "child exited 3\n" : "child failed\n",
	      15 - 2 * !(WIFEXITED(status) && WEXITSTATUS(status) == 3));
	return wait4(-1, &status, 0, 0) == -1 && errno == 10 ? 0 : 5;	/* ECHILD: no more children */
}
