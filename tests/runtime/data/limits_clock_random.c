/* What issue 17's misc fixes give a program, one fact a line (tests/runtime/test_runtime_limits_clock_random.py):
 * RLIMIT_NOFILE and fs.nr_open as Linux starts them and their checks, RLIMIT_CPU's signals, the RND*
 * ioctls and /proc/sys/kernel/random, /proc/self/mounts' POLLPRI after a mount, and one clock for the
 * vDSO and the system call. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		return -1;
	close(fd);
	return atol(buf);
}

static const char *write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return strerror(errno);
	int n = write(fd, text, strlen(text));
	int err = errno;
	close(fd);
	return n < 0 ? strerror(err) : "ok";
}

static volatile sig_atomic_t xcpu;
static void on_xcpu(int sig) { (void)sig; xcpu++; }

int main(void)
{
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("RLIMIT_NOFILE %lu %lu\n", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
	printf("nr_open %ld\n", read_long("/proc/sys/fs/nr_open"));
	printf("nr_open 63: %s\n", write_text("/proc/sys/fs/nr_open", "63"));
	printf("nr_open 128: %s\n", write_text("/proc/sys/fs/nr_open", "128"));
	printf("dup2 to 200: %s\n", dup2(0, 200) < 0 ? strerror(errno) : "ok");
	printf("dup2 to 100: %s\n", dup2(0, 100) < 0 ? strerror(errno) : "ok");
	rl.rlim_cur = rl.rlim_max = 129;
	printf("hard 129: %s\n", setrlimit(RLIMIT_NOFILE, &rl) < 0 ? strerror(errno) : "ok");
	printf("nr_open 1048576: %s\n", write_text("/proc/sys/fs/nr_open", "1048576"));
	close(100);

	int fd = open("/dev/urandom", O_RDONLY), count = -1;
	int got = ioctl(fd, RNDGETENTCNT, &count);
	printf("RNDGETENTCNT: %d %d\n", got, count);
	printf("RNDGETPOOL: %s\n", ioctl(fd, RNDGETPOOL, &count) < 0 ? strerror(errno) : "ok");
	close(fd);
	printf("entropy_avail %ld poolsize %ld\n", read_long("/proc/sys/kernel/random/entropy_avail"),
	       read_long("/proc/sys/kernel/random/poolsize"));

	int mounts = open("/proc/self/mounts", O_RDONLY);
	struct pollfd p = { .fd = mounts, .events = POLLPRI };
	printf("mounts before: %d\n", poll(&p, 1, 0));
	mkdir("mnt", 0755);
	mount("none", "mnt", "tmpfs", 0, NULL);
	got = poll(&p, 1, 0);
	printf("mounts after mount: %d %#x\n", got, p.revents);
	umount("mnt");

	int pfd[2];
	char page[4096] = "";
	pipe2(pfd, O_NONBLOCK);
	fcntl(pfd[1], F_SETPIPE_SZ, 4096);
	struct pollfd out = { .fd = pfd[1], .events = POLLOUT };
	ssize_t first = write(pfd[1], page, 100), again = write(pfd[1], page, 4096);
	printf("one slot: write %zd, again %zd, merged %zd\n", first, again, write(pfd[1], page, 50));
	read(pfd[0], page, 100);
	printf("a slot half read: POLLOUT %d\n", poll(&out, 1, 0));
	read(pfd[0], page, 50);
	printf("the slot emptied: POLLOUT %d\n", poll(&out, 1, 0));

	int efd = eventfd(0, 0), empty[2];
	pipe(empty);
	printf("splice pipe -> eventfd: %s\n", splice(empty[0], NULL, efd, NULL, 1, 0) < 0 ? strerror(errno) : "ok");
	printf("splice eventfd -> pipe: %s\n", splice(efd, NULL, empty[1], NULL, 1, 0) < 0 ? strerror(errno) : "ok");

	struct timespec a, b;
	int backwards = 0;
	for (int i = 0; i < 2000; i++) {
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
		clock_gettime(CLOCK_MONOTONIC, &b);
		backwards += b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec);
		syscall(SYS_clock_gettime, CLOCK_REALTIME, &a);
		clock_gettime(CLOCK_REALTIME, &b);
		backwards += b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec);
	}
	printf("vDSO reads earlier than the syscall's before them: %d\n", backwards);

	fflush(stdout);
	pid_t pid = fork();
	if (!pid) {
		signal(SIGXCPU, on_xcpu);
		struct rlimit cpu = { 1, 2 };
		setrlimit(RLIMIT_CPU, &cpu);
		for (;;)
			if (xcpu == 1) {
				getrlimit(RLIMIT_CPU, &cpu);
				printf("SIGXCPU; soft now %lu\n", (unsigned long)cpu.rlim_cur);
				fflush(stdout);
				xcpu++;
			}
	}
	int status;
	waitpid(pid, &status, 0);
	printf("child: %s\n", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited");
	return 0;
}
