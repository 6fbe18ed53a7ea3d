/*
 * timerfd: arming, reading the expiration count, intervals, absolute times,
 * gettime and settime's old value, poll and epoll readiness (level and edge),
 * blocking reads and waits that must wake at the expiry, and the errors.
 * Times are printed only as facts that hold however late the process runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL

static void show(const char *what, long rc)
{
	if (rc < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, rc);
}

static long long ticks(int fd)
{
	uint64_t v = 0;
	if (read(fd, &v, sizeof v) < 0)
		return -errno;
	return (long long)v;
}

static void show_ticks(const char *what, int fd)
{
	long long n = ticks(fd);
	if (n < 0)
		printf("%s: -1 %s\n", what, strerrorname_np((int)-n));
	else
		printf("%s: %lld\n", what, n);
}

static long long ns(const struct timespec *ts) { return ts->tv_sec * 1000000000LL + ts->tv_nsec; }

static struct itimerspec spec(long long value, long long interval)
{
	struct itimerspec s = {
		.it_interval = {interval / 1000000000LL, interval % 1000000000LL},
		.it_value = {value / 1000000000LL, value % 1000000000LL},
	};
	return s;
}

static long long now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ns(&ts);
}

static int readable(int fd, int timeout)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	int n = poll(&p, 1, timeout);
	return n < 0 ? -1 : p.revents;
}

int main(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	printf("flags: nonblock=%d cloexec=%d rdwr=%d\n", !!(fcntl(fd, F_GETFL) & O_NONBLOCK), fcntl(fd, F_GETFD),
	       (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	show_ticks("read, disarmed", fd);
	struct itimerspec cur;
	timerfd_gettime(fd, &cur);
	printf("gettime, disarmed: %lld %lld\n", ns(&cur.it_value), ns(&cur.it_interval));
	printf("poll, disarmed: %#x\n", readable(fd, 0));

	/* One-shot, relative. */
	struct itimerspec s = spec(300 * MS, 0);
	show("settime 300 ms", timerfd_settime(fd, 0, &s, NULL));
	timerfd_gettime(fd, &cur);
	printf("gettime: 0 < value <= 300 ms: %d, interval %lld\n",
	       ns(&cur.it_value) > 0 && ns(&cur.it_value) <= 300 * MS, ns(&cur.it_interval));
	printf("poll before the expiry: %#x\n", readable(fd, 0));
	printf("poll until the expiry: %#x\n", readable(fd, -1));
	show_ticks("read", fd);
	show_ticks("read again", fd);
	timerfd_gettime(fd, &cur);
	printf("gettime after a one-shot expired: %lld %lld\n", ns(&cur.it_value), ns(&cur.it_interval));

	/* Interval, absolute and in the past: the expirations are counted at once. */
	s = spec(now(CLOCK_MONOTONIC) - 10000 * MS, 1000 * MS);
	show("settime absolute, 10 s ago, every second", timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, NULL));
	show_ticks("read", fd);
	timerfd_gettime(fd, &cur);
	printf("gettime: 0 < value <= 1 s: %d, interval %lld\n",
	       ns(&cur.it_value) > 0 && ns(&cur.it_value) <= 1000 * MS, ns(&cur.it_interval));

	/* settime's old value, then disarming. */
	s = spec(10000 * MS, 5 * MS);
	struct itimerspec old;
	timerfd_settime(fd, 0, &s, NULL);
	s = spec(0, 0);
	show("disarm", timerfd_settime(fd, 0, &s, &old));
	printf("old: 9 s < value <= 10 s: %d, interval %lld\n",
	       ns(&old.it_value) > 9000 * MS && ns(&old.it_value) <= 10000 * MS, ns(&old.it_interval));
	timerfd_gettime(fd, &cur);
	printf("gettime, disarmed again: %lld %lld\n", ns(&cur.it_value), ns(&cur.it_interval));

	/* A blocking read, on CLOCK_REALTIME with an absolute time, and on CLOCK_BOOTTIME. */
	int rt = timerfd_create(CLOCK_REALTIME, 0);
	s = spec(now(CLOCK_REALTIME) + 40 * MS, 0);
	timerfd_settime(rt, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &s, NULL);
	long long t0 = now(CLOCK_REALTIME);
	show_ticks("blocking read, CLOCK_REALTIME absolute", rt);
	printf("it waited: %d\n", now(CLOCK_REALTIME) - t0 >= 30 * MS);
	int boot = timerfd_create(CLOCK_BOOTTIME, 0);
	s = spec(30 * MS, 0);
	timerfd_settime(boot, 0, &s, NULL);
	show_ticks("blocking read, CLOCK_BOOTTIME", boot);

	/* An interval timer counts every period it was not read. */
	s = spec(20 * MS, 20 * MS);
	timerfd_settime(fd, 0, &s, NULL);
	usleep(110000);
	long long n = ticks(fd);
	printf("after 110 ms of a 20 ms interval: at least 5: %d\n", n >= 5);

	/* epoll: a sleeping wait wakes at the expiry; edge-triggered, an unread timer fires once. */
	int ep = epoll_create1(0);
	int et = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.u64 = 7};
	epoll_ctl(ep, EPOLL_CTL_ADD, et, &e);
	s = spec(30 * MS, 20 * MS);
	timerfd_settime(et, 0, &s, NULL);
	struct epoll_event got[4];
	int k = epoll_wait(ep, got, 4, -1);
	printf("epoll_wait until the expiry: %d data=%llu events=%#x\n", k, (unsigned long long)got[0].data.u64,
	       got[0].events);
	k = epoll_wait(ep, got, 4, 80);
	printf("edge-triggered, unread, 80 ms later: %d\n", k);
	printf("read: at least 1: %d\n", ticks(et) >= 1);
	k = epoll_wait(ep, got, 4, -1);
	printf("after the read, the next expiry is an edge: %d\n", k);
	e.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_MOD, et, &e);
	k = epoll_wait(ep, got, 4, -1);
	printf("level-triggered: %d\n", k);
	k = epoll_wait(ep, got, 4, 0);
	printf("level-triggered, still unread: %d\n", k);

	/* Errors. */
	show("timerfd_create(CLOCK_PROCESS_CPUTIME_ID)", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
	show("timerfd_create bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
	s = spec(MS, 0);
	show("settime bad flags", timerfd_settime(fd, 4, &s, NULL));
	s.it_value.tv_nsec = 1000000000;
	show("settime tv_nsec = 1e9", timerfd_settime(fd, 0, &s, NULL));
	s = spec(MS, 0);
	s.it_interval.tv_sec = -1;
	show("settime negative interval", timerfd_settime(fd, 0, &s, NULL));
	s = spec(MS, 0);
	int efd = eventfd(0, 0);
	show("settime on an eventfd", timerfd_settime(efd, 0, &s, NULL));
	show("gettime on an eventfd", timerfd_gettime(efd, &cur));
	show("settime bad fd", timerfd_settime(999, 0, &s, NULL));
	show("settime NULL", syscall(SYS_timerfd_settime, fd, 0, NULL, NULL));
	uint64_t v = 1;
	show("write", write(fd, &v, sizeof v));
	char small[4];
	show("read of 4 bytes", read(fd, small, sizeof small));
	return 0;
}
