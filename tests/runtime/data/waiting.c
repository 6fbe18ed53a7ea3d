/* select, pselect and ppoll through glibc, natively and on the machine: the same bytes. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	got = sig;
}

int main(void)
{
	int fds[2], result, closed;
	fd_set readable, writable;
	struct timeval tv = { 0, 50000 };
	struct timespec ts = { 5, 0 };
	struct pollfd pfd;
	sigset_t blocked, none;
	struct sigaction sa;
	pid_t parent = getpid();
	char c;

	setvbuf(stdout, NULL, _IONBF, 0);
	pipe(fds);
	FD_ZERO(&readable);
	FD_ZERO(&writable);
	FD_SET(fds[0], &readable);
	FD_SET(fds[1], &writable);
	result = select(fds[1] + 1, &readable, &writable, NULL, &tv);
	printf("select, empty pipe: %d read=%d write=%d\n", result, FD_ISSET(fds[0], &readable),
	       FD_ISSET(fds[1], &writable));

	FD_ZERO(&readable);
	FD_SET(fds[0], &readable);
	tv.tv_sec = 0;
	tv.tv_usec = 50000;
	result = select(fds[0] + 1, &readable, NULL, NULL, &tv);
	printf("select timed out: %d, time left %ld.%06ld\n", result, (long)tv.tv_sec, (long)tv.tv_usec);

	/* Linux ignores bits past the size of the fd table (64 slots until it grows), so fd 99
	 * may be skipped and the select sleep forever: the closed fd is a low one. */
	closed = dup(0);
	close(closed);
	FD_ZERO(&readable);
	FD_SET(closed, &readable);
	result = select(closed + 1, &readable, NULL, NULL, NULL);
	printf("select on a closed fd: %d %s\n", result, strerrorname_np(errno));

	if (fork() == 0) {
		/* fork sizes the child's table by its open descriptors (64 slots here): fd 99 lies past
		 * it and select skips it; once the table grew past 99, the closed fd is an error. */
		struct timeval zero = { 0, 0 };

		FD_ZERO(&readable);
		FD_SET(99, &readable);
		result = select(100, &readable, NULL, NULL, &zero);
		printf("select on fd 99, past a 64-slot table: %d\n", result);
		dup2(0, 99);
		close(99);
		FD_SET(99, &readable);
		result = select(100, &readable, NULL, NULL, &zero);
		printf("select on fd 99, closed in a 128-slot table: %d %s\n", result, strerrorname_np(errno));
		_exit(0);
	}
	wait(NULL);

	if (fork() == 0) {
		usleep(100000);
		write(fds[1], "x", 1);
		_exit(0);
	}
	FD_ZERO(&readable);
	FD_SET(fds[0], &readable);
	result = pselect(fds[0] + 1, &readable, NULL, NULL, &ts, NULL);
	printf("pselect woken by a writer: %d read=%d\n", result, FD_ISSET(fds[0], &readable));
	read(fds[0], &c, 1);
	wait(NULL);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	if (fork() == 0) {
		usleep(100000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	sigemptyset(&none);
	result = ppoll(&pfd, 1, &ts, &none);
	printf("ppoll with SIGUSR1 let through: %d %s got=%d\n", result, strerrorname_np(errno), got);
	sigprocmask(SIG_BLOCK, NULL, &none);
	printf("mask back: SIGUSR1 blocked=%d\n", sigismember(&none, SIGUSR1));
	wait(NULL);

	write(fds[1], "y", 1);
	result = ppoll(&pfd, 1, NULL, NULL);
	printf("ppoll, data waiting: %d revents=%#x\n", result, pfd.revents);
	return 0;
}
