/* A FIFO between processes (fs/pipe.c's fifo_open rules): blocking opens meeting, data through,
 * end of file, ENXIO for a nonblocking writer with no reader, EPIPE, poll's view, an interrupted open.
 * Run in an empty directory; its output is compared with the native run's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
	fflush(stdout);
}

static void nap(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static int revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLOUT, 0};
	poll(&p, 1, 0);
	return p.revents;
}

static void reap(void)
{
	int status;
	wait(&status);
	printf("child: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static volatile int usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }

int main(void)
{
	char buf[64];
	long n;
	struct stat st;
	signal(SIGPIPE, SIG_IGN);
	say("mkfifo", mkfifo("p", 0666));
	stat("p", &st);
	printf("mode %o size %ld\n", st.st_mode, (long)st.st_size);

	/* The writer opens first and waits for the reader. */
	if (fork() == 0) {
		int w = open("p", O_WRONLY);
		n = write(w, "ping", 4);
		close(w);
		_exit(w >= 0 && n == 4 ? 0 : 1);
	}
	nap(100);
	int r = open("p", O_RDONLY);
	say("reader after a waiting writer", r >= 0 ? 0 : -1);
	n = read(r, buf, sizeof buf);
	printf("read %ld %.*s\n", n, (int)(n > 0 ? n : 0), buf);
	say("read after the writer closed", read(r, buf, sizeof buf));
	close(r);
	reap();

	/* The reader opens first and waits for the writer. */
	if (fork() == 0) {
		int rr = open("p", O_RDONLY);
		char b[16];
		long got = read(rr, b, sizeof b);
		long eof = read(rr, b, sizeof b);
		_exit(got == 4 && !memcmp(b, "pong", 4) && eof == 0 ? 0 : 1);
	}
	nap(100);
	say("nonblocking writer with a reader waiting", (n = open("p", O_WRONLY | O_NONBLOCK)) >= 0 ? 0 : -1);
	say("write to it", write((int)n, "pong", 4));
	close((int)n);
	reap();

	/* Nobody reads: a nonblocking writer gets ENXIO. */
	say("nonblocking writer alone", open("p", O_WRONLY | O_NONBLOCK));

	/* A nonblocking reader alone: no hang-up until a writer has come and gone. */
	r = open("p", O_RDONLY | O_NONBLOCK);
	say("nonblocking reader alone", r >= 0 ? 0 : -1);
	say("read with no writer", read(r, buf, sizeof buf));
	printf("poll alone %#x\n", revents(r));
	int w = open("p", O_WRONLY | O_NONBLOCK);
	say("nonblocking writer now", w >= 0 ? 0 : -1);
	printf("poll writer %#x\n", revents(w));
	say("read, writer there, empty", read(r, buf, sizeof buf));
	say("write x", write(w, "x", 1));
	printf("poll with data %#x\n", revents(r));
	close(w);
	printf("poll after the writer %#x\n", revents(r));
	say("read the x", read(r, buf, sizeof buf));
	say("read at the end", read(r, buf, sizeof buf));
	close(r);

	/* epoll sees the same: nothing, data, then data and the hang-up. */
	r = open("p", O_RDONLY | O_NONBLOCK);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = r}, got;
	say("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev));
	say("epoll_wait alone", epoll_wait(ep, &got, 1, 0));
	w = open("p", O_WRONLY | O_NONBLOCK);
	say("epoll_wait, a writer", epoll_wait(ep, &got, 1, 0));
	write(w, "e", 1);
	n = epoll_wait(ep, &got, 1, 0);
	printf("epoll_wait, data: %ld %#x\n", n, n > 0 ? got.events : 0);
	say("epoll_wait again (edge-triggered)", epoll_wait(ep, &got, 1, 0));
	close(w);
	n = epoll_wait(ep, &got, 1, 0);
	printf("epoll_wait, writer gone: %ld %#x\n", n, n > 0 ? got.events : 0);
	close(ep);
	close(r);

	/* O_RDWR never waits; every opener shares one buffer. */
	int both = open("p", O_RDWR);
	say("O_RDWR alone", both >= 0 ? 0 : -1);
	w = open("p", O_WRONLY);
	say("writer with O_RDWR open", w >= 0 ? 0 : -1);
	say("write ab", write(w, "ab", 2));
	say("write cd", write(both, "cd", 2));
	n = read(both, buf, sizeof buf);
	printf("read both %ld %.*s\n", n, (int)(n > 0 ? n : 0), buf);
	fstat(both, &st);
	printf("fstat fifo %d\n", S_ISFIFO(st.st_mode));
	struct statx sx;
	say("statx", statx(AT_FDCWD, "p", 0, STATX_BASIC_STATS | STATX_BTIME, &sx));
	printf("statx mask %#x has a birth time %d\n", sx.stx_mask, sx.stx_btime.tv_sec > 0);
	say("lseek", lseek(both, 0, SEEK_SET));
	close(both);
	say("write with no reader left", write(w, "zz", 2));
	printf("poll writer with no reader %#x\n", revents(w));
	signal(SIGPIPE, on_usr1);
	say("write again, SIGPIPE caught", write(w, "zz", 2));
	printf("SIGPIPEs caught %d\n", usr1);
	close(w);
	usr1 = 0;

	/* The capacity every opener shares: F_SETPIPE_SZ rounds up to a power-of-two number of pages. */
	both = open("p", O_RDWR | O_NONBLOCK);
	say("F_GETPIPE_SZ", fcntl(both, F_GETPIPE_SZ));
	say("F_SETPIPE_SZ 0", fcntl(both, F_SETPIPE_SZ, 0));
	say("F_SETPIPE_SZ 5000", fcntl(both, F_SETPIPE_SZ, 5000));
	say("F_SETPIPE_SZ 2 GiB + 1", fcntl(both, F_SETPIPE_SZ, (1U << 31) + 1));
	static char block[8192];
	say("fill it", write(both, block, sizeof block));
	say("one byte more", write(both, "x", 1));
	say("F_SETPIPE_SZ below what it holds", fcntl(both, F_SETPIPE_SZ, 4096));
	int dir = open(".", O_RDONLY);
	say("F_SETPIPE_SZ of a directory", fcntl(dir, F_SETPIPE_SZ, 4096));
	close(dir);
	close(both);
	both = open("p", O_RDWR);
	say("F_GETPIPE_SZ once everyone closed", fcntl(both, F_GETPIPE_SZ));
	close(both);

	/* What was left unread goes with the last opener. */
	both = open("p", O_RDWR);
	say("write lost", write(both, "lost", 4));
	close(both);
	both = open("p", O_RDWR | O_NONBLOCK);
	say("read after everyone closed", read(both, buf, sizeof buf));
	close(both);

	/* A blocking open ends with EINTR when a handler without SA_RESTART runs. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	pid_t me = getpid();
	if (fork() == 0) {
		nap(150);
		kill(me, SIGUSR1);
		_exit(0);
	}
	say("blocking reader interrupted", open("p", O_RDONLY));
	printf("SIGUSR1 %d\n", usr1);
	reap();
	say("nonblocking writer after the interrupted reader", open("p", O_WRONLY | O_NONBLOCK));

	/* An unlinked FIFO still connects those who have it open. */
	both = open("p", O_RDWR);
	say("unlink", unlink("p"));
	say("write after unlink", write(both, "still", 5));
	n = read(both, buf, sizeof buf);
	printf("read after unlink %ld %.*s\n", n, (int)(n > 0 ? n : 0), buf);
	close(both);
	puts("done");
	return 0;
}
