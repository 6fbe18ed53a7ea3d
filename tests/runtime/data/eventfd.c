/* eventfd's counter: plain and semaphore reads, EAGAIN, the 8-byte rule, overflow, poll, blocking. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long rc)
{
	if (rc < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, rc);
}

static void get(const char *what, int fd)
{
	uint64_t v = 0;
	long n = read(fd, &v, sizeof v);
	if (n < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld bytes, %#llx\n", what, n, (unsigned long long)v);
}

static long put(int fd, uint64_t v) { return write(fd, &v, sizeof v); }

static void readiness(const char *what, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLPRI};
	int n = poll(&p, 1, 0);
	printf("%s: poll=%d in=%d out=%d err=%d\n", what, n, !!(p.revents & POLLIN), !!(p.revents & POLLOUT),
	       !!(p.revents & POLLERR));
}

int main(void)
{
	int fd = eventfd(3, 0);
	printf("flags: rdwr=%d nonblock=%d cloexec=%d\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR,
	       !!(fcntl(fd, F_GETFL) & O_NONBLOCK), fcntl(fd, F_GETFD));
	readiness("initial 3", fd);
	get("read", fd);
	readiness("after the read", fd);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	get("read of zero, O_NONBLOCK", fd);
	char small[4];
	show("read of 4 bytes", read(fd, small, sizeof small));
	show("write of 4 bytes", write(fd, small, sizeof small));
	show("write of ULLONG_MAX", put(fd, UINT64_MAX));
	show("write of ULLONG_MAX-1", put(fd, UINT64_MAX - 1));
	readiness("at ULLONG_MAX-1", fd);
	show("write of 1 more", put(fd, 1));
	show("write of 0", put(fd, 0));
	get("read", fd);
	show("write of 7", put(fd, 7));
	show("write of 5", put(fd, 5));
	uint64_t big[2] = {0, 0};
	show("read of 16 bytes", read(fd, big, sizeof big));
	printf("value %llu, second word untouched: %d\n", (unsigned long long)big[0], big[1] == 0);
	close(fd);

	int sem = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	printf("semaphore flags: nonblock=%d cloexec=%d\n", !!(fcntl(sem, F_GETFL) & O_NONBLOCK), fcntl(sem, F_GETFD));
	for (int i = 0; i < 4; i++)
		get("semaphore read", sem);
	show("eventfd2 with a bad flag", syscall(SYS_eventfd2, 0, 0x10));
	show("eventfd (no flags)", syscall(SYS_eventfd, 1) >= 0 ? 0 : -1);

	/* Blocking: the parent's read waits for the child's write, then the parent's write for the child's read. */
	int blocking = eventfd(0, 0);
	pid_t child = fork();
	if (child == 0) {
		usleep(20000);
		put(blocking, 5);
		usleep(20000);
		uint64_t v;
		read(blocking, &v, sizeof v);
		_exit(v == UINT64_MAX - 1 ? 0 : 1);
	}
	get("blocking read", blocking);
	put(blocking, UINT64_MAX - 1);
	show("blocking write of 1", put(blocking, 1));
	int status;
	waitpid(child, &status, 0);
	printf("child: %d\n", WEXITSTATUS(status));
	get("after the child", blocking);
	return 0;
}
