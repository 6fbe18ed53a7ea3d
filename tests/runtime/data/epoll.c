/*
 * epoll over a pipe, an eventfd and another epoll: level and edge triggering,
 * one-shot items, hang-ups, errors as Linux gives them, closing a watched
 * descriptor, nesting and its limit, timeouts, signal masks and blocking waits.
 * Events are printed in a fixed order (by their data) unless the order is the point.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long rc)
{
	if (rc < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, rc);
}

static int by_data(const void *a, const void *b)
{
	const struct epoll_event *x = a, *y = b;
	return (x->data.u64 > y->data.u64) - (x->data.u64 < y->data.u64);
}

static void flags(char *out, uint32_t ev)
{
	out[0] = 0;
	static const struct { uint32_t bit; const char *name; } names[] = {
		{EPOLLIN, "IN"}, {EPOLLOUT, "OUT"}, {EPOLLERR, "ERR"}, {EPOLLHUP, "HUP"}, {EPOLLPRI, "PRI"},
		{EPOLLRDNORM, "RDNORM"}, {EPOLLWRNORM, "WRNORM"}, {EPOLLRDHUP, "RDHUP"}};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (ev & names[i].bit) {
			strcat(out, out[0] ? "|" : "");
			strcat(out, names[i].name);
		}
	if (ev & ~(uint32_t)(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLPRI | EPOLLRDNORM | EPOLLWRNORM | EPOLLRDHUP))
		sprintf(out + strlen(out), "|%#x", ev);
}

static void wait_and_show(const char *what, int ep, int max, int timeout, int sorted)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, max, timeout);
	if (n < 0) {
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
		return;
	}
	if (sorted)
		qsort(ev, n, sizeof *ev, by_data);
	printf("%s: %d", what, n);
	for (int i = 0; i < n; i++) {
		char f[128];
		flags(f, ev[i].events);
		printf(" [%llu %s]", (unsigned long long)ev[i].data.u64, f);
	}
	printf("\n");
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

static void bump(int efd, uint64_t v) { write(efd, &v, sizeof v); }

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { (void)sig; got_usr1++; }

int main(void)
{
	int p[2];
	pipe(p);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	printf("epoll_create1(EPOLL_CLOEXEC): cloexec=%d\n", fcntl(ep, F_GETFD));

	/* Level-triggered pipe. */
	show("add pipe read end", add(ep, p[0], EPOLLIN, 1));
	wait_and_show("empty pipe", ep, 8, 0, 1);
	write(p[1], "ab", 2);
	wait_and_show("after a write", ep, 8, 0, 1);
	wait_and_show("again, level-triggered", ep, 8, 0, 1);
	show("add pipe write end for OUT", add(ep, p[1], EPOLLOUT, 2));
	wait_and_show("both ends", ep, 8, 0, 1);

	/* Edge-triggered eventfd: one report per write, even while it stays readable. */
	int efd = eventfd(0, EFD_NONBLOCK);
	show("add eventfd ET", add(ep, efd, EPOLLIN | EPOLLET, 3));
	show("del pipe write end", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	bump(efd, 1);
	wait_and_show("eventfd written", ep, 8, 0, 1);
	wait_and_show("no new edge", ep, 8, 0, 1);
	bump(efd, 1);
	wait_and_show("a second write is a new edge", ep, 8, 0, 1);
	uint64_t v;
	read(efd, &v, sizeof v);
	wait_and_show("after reading it (no edge from a read)", ep, 8, 0, 1);

	/* Edge-triggered pipe: every write is an edge, even to a non-empty pipe. */
	show("mod pipe read end to ET", mod(ep, p[0], EPOLLIN | EPOLLET, 1));
	wait_and_show("after MOD (looked at afresh)", ep, 8, 0, 1);
	wait_and_show("then no edge", ep, 8, 0, 1);
	write(p[1], "c", 1);
	wait_and_show("a write to a non-empty pipe", ep, 8, 0, 1);
	char buf[16];
	show("drain the pipe", read(p[0], buf, sizeof buf));

	/* One-shot: reported once, then disabled until MOD. */
	int once = eventfd(1, 0);
	show("add eventfd ONESHOT", add(ep, once, EPOLLIN | EPOLLONESHOT, 4));
	wait_and_show("one-shot ready", ep, 8, 0, 1);
	wait_and_show("one-shot disabled", ep, 8, 0, 1);
	show("mod re-arms it", mod(ep, once, EPOLLIN | EPOLLONESHOT, 5));
	wait_and_show("re-armed", ep, 8, 0, 1);
	show("add it again", add(ep, once, EPOLLIN, 6));

	/* Round robin with maxevents=1 over two level-triggered items. */
	int rr = epoll_create(1);
	int a = eventfd(1, 0), b = eventfd(1, 0);
	add(rr, a, EPOLLIN, 10);
	add(rr, b, EPOLLIN, 11);
	wait_and_show("maxevents=1", rr, 1, 0, 0);
	wait_and_show("maxevents=1 again", rr, 1, 0, 0);
	wait_and_show("maxevents=1 a third time", rr, 1, 0, 0);

	/* Closing: the item goes with the file's last descriptor, not with the descriptor. */
	int d = dup(a);
	close(a);
	wait_and_show("a closed, its dup open", rr, 8, 0, 1);
	close(d);
	wait_and_show("its last descriptor closed", rr, 8, 0, 1);
	show("del the closed fd", epoll_ctl(rr, EPOLL_CTL_DEL, a, NULL));

	/* Hang-ups. */
	int q[2];
	pipe(q);
	int hup = epoll_create1(0);
	add(hup, q[0], EPOLLIN, 20);
	add(hup, q[1], EPOLLOUT, 21);
	write(q[1], "z", 1);
	close(q[1]);
	wait_and_show("writer closed with data left", hup, 8, 0, 1);
	int r[2];
	pipe(r);
	add(hup, r[1], EPOLLOUT, 22);
	close(r[0]);
	wait_and_show("reader closed", hup, 8, 0, 1);

	/* Errors. */
	int reg = open("/proc/self/exe", O_RDONLY);
	struct epoll_event e = {.events = EPOLLIN};
	show("add a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, reg, &e));
	show("add the epoll to itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e));
	show("epfd not an epoll", epoll_ctl(efd, EPOLL_CTL_ADD, p[0], &e));
	show("bad epfd", epoll_ctl(999, EPOLL_CTL_ADD, p[0], &e));
	show("bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &e));
	show("add twice", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
	show("del unknown", epoll_ctl(ep, EPOLL_CTL_DEL, q[0], &e));
	show("mod unknown", epoll_ctl(ep, EPOLL_CTL_MOD, q[0], &e));
	show("unknown op", epoll_ctl(ep, 99, p[0], &e));
	show("NULL event for ADD", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], NULL));
	show("epoll_create(0)", epoll_create(0));
	show("epoll_create1(1)", epoll_create1(1));
	show("epoll_wait maxevents 0", epoll_wait(ep, &e, 0, 0));
	show("epoll_wait on an eventfd", epoll_wait(efd, &e, 1, 0));
	show("epoll_wait bad epfd", epoll_wait(999, &e, 1, 0));
	int ex = eventfd(0, 0);
	show("add EXCLUSIVE", add(ep, ex, EPOLLIN | EPOLLEXCLUSIVE, 7));
	show("mod with EXCLUSIVE", mod(ep, ex, EPOLLIN | EPOLLEXCLUSIVE, 7));
	show("mod an EXCLUSIVE item", mod(ep, ex, EPOLLIN, 7));
	int ex2 = eventfd(0, 0);
	show("EXCLUSIVE with ONESHOT", add(ep, ex2, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 8));
	show("EXCLUSIVE on an epoll", add(ep, rr, EPOLLIN | EPOLLEXCLUSIVE, 8));

	/* Nesting: readiness through an inner epoll, loops and depth. */
	int inner = epoll_create1(0), outer = epoll_create1(0);
	int ready = eventfd(1, 0);
	add(inner, ready, EPOLLIN, 30);
	show("add inner to outer", add(outer, inner, EPOLLIN, 31));
	wait_and_show("outer sees inner", outer, 8, 0, 1);
	struct pollfd pf = {.fd = inner, .events = POLLIN};
	show("poll on the inner epoll", poll(&pf, 1, 0));
	printf("revents: %#x\n", pf.revents);
	show("epoll_wait NULL events, one ready", syscall(SYS_epoll_wait, inner, NULL, 1, 0));
	wait_and_show("and it is still ready", inner, 8, 0, 1);
	show("add outer to inner (a loop)", add(inner, outer, EPOLLIN, 32));
	/* Edge-triggered on an epoll: every wake-up of one of its items is an edge, not its readiness. */
	int inner2 = epoll_create1(0), outer2 = epoll_create1(0), counter = eventfd(0, 0);
	add(inner2, counter, EPOLLIN, 33);
	add(outer2, inner2, EPOLLIN | EPOLLET, 34);
	wait_and_show("ET on an epoll, nothing ready", outer2, 8, 0, 1);
	bump(counter, 1);
	wait_and_show("ET on an epoll, after a write", outer2, 8, 0, 1);
	wait_and_show("ET on an epoll, again", outer2, 8, 0, 1);
	bump(counter, 1);
	wait_and_show("ET on an epoll, after a second write", outer2, 8, 0, 1);
	wait_and_show("the inner one, level-triggered", inner2, 8, 0, 1);
	wait_and_show("ET on an epoll, after the inner wait", outer2, 8, 0, 1);
	int chain[6];
	chain[0] = epoll_create1(0);
	for (int i = 1; i < 6; i++) {
		chain[i] = epoll_create1(0);
		char what[64];
		snprintf(what, sizeof what, "nest level %d", i);
		show(what, add(chain[i], chain[i - 1], EPOLLIN, 40 + i));
	}

	/* Timeouts. */
	int idle = epoll_create1(0);
	show("epoll_wait NULL events, none ready", syscall(SYS_epoll_wait, idle, NULL, 1, 0));
	long long t0 = now_ms();
	wait_and_show("50 ms timeout", idle, 8, 50, 1);
	printf("waited at least 45 ms: %d\n", now_ms() - t0 >= 45);
	struct timespec ts = {0, 30000000};
	t0 = now_ms();
	show("epoll_pwait2 30 ms", syscall(SYS_epoll_pwait2, idle, &e, 1, &ts, NULL, 8));
	printf("waited at least 25 ms: %d\n", now_ms() - t0 >= 25);
	struct timespec bad = {0, -1};
	show("epoll_pwait2 bad timespec", syscall(SYS_epoll_pwait2, idle, &e, 1, &bad, NULL, 8));
	sigset_t none;
	sigemptyset(&none);
	show("epoll_pwait bad sigsetsize", syscall(SYS_epoll_pwait, idle, &e, 1, 0, &none, 4));

	/* A blocking wait woken by another process's write. */
	int w[2];
	pipe(w);
	int waiter = epoll_create1(0);
	add(waiter, w[0], EPOLLIN, 50);
	pid_t child = fork();
	if (child == 0) {
		usleep(30000);
		write(w[1], "!", 1);
		_exit(0);
	}
	wait_and_show("blocking wait", waiter, 8, -1, 1);
	waitpid(child, NULL, 0);

	/* Signals: EINTR even with SA_RESTART; epoll_pwait's mask keeps one out while it waits. */
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	sigaction(SIGUSR1, &sa, NULL);
	pid_t parent = getpid();
	child = fork();
	if (child == 0) {
		usleep(30000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	wait_and_show("epoll_wait interrupted", idle, 8, -1, 1);
	printf("handler ran: %d\n", got_usr1);
	waitpid(child, NULL, 0);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	got_usr1 = 0;
	child = fork();
	if (child == 0) {
		usleep(10000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	struct epoll_event out[1];
	/* Not interrupted: 0 at the timeout, and the handler runs once the old mask is back. */
	int n = epoll_pwait(idle, out, 1, 100, &usr1);
	waitpid(child, NULL, 0);
	printf("epoll_pwait with SIGUSR1 blocked: %d, handler ran: %d\n", n, got_usr1);
	return 0;
}
