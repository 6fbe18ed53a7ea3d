/*
 * An event loop as servers write them: one epoll over a pipe fed by a child
 * (edge-triggered, drained until EAGAIN), an eventfd the loop signals itself
 * (level-triggered) and a periodic timerfd (one-shot, re-armed with
 * EPOLL_CTL_MOD after each expiry). It runs until the child's end of the pipe
 * closes, and prints what it saw: the messages in order, the eventfd's total,
 * that the timer fired, and how the pipe ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

enum { PIPE_ID = 1, EVENT_ID = 2, TIMER_ID = 3 };

int main(void)
{
	int p[2];
	pipe2(p, O_NONBLOCK | O_CLOEXEC);
	pid_t child = fork();
	if (child == 0) {
		close(p[0]);
		int fl = fcntl(p[1], F_GETFL);
		fcntl(p[1], F_SETFL, fl & ~O_NONBLOCK);
		for (int i = 1; i <= 5; i++) {
			char msg[32];
			int n = snprintf(msg, sizeof msg, "message %d\n", i);
			write(p[1], msg, n);
			usleep(15000);
		}
		_exit(0);
	}
	close(p[1]);
	int efd = eventfd(0, EFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec every = {.it_interval = {0, 10000000}, .it_value = {0, 10000000}};
	timerfd_settime(tfd, 0, &every, NULL);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = {.events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.u32 = PIPE_ID};
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
	e = (struct epoll_event){.events = EPOLLIN, .data.u32 = EVENT_ID};
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e);
	e = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.u32 = TIMER_ID};
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e);

	char text[256] = "";
	uint64_t signalled = 0, expirations = 0;
	int eof = 0, hup = 0, rounds = 0;
	while (!eof && rounds < 100000) {
		struct epoll_event ev[8];
		int n = epoll_wait(ep, ev, 8, 5000);
		if (n <= 0) {
			printf("epoll_wait: %d %s\n", n, n ? strerrorname_np(errno) : "timeout");
			break;
		}
		rounds++;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u32 == PIPE_ID) {
				hup |= !!(ev[i].events & EPOLLHUP);
				for (;;) { /* edge-triggered: read until the pipe says EAGAIN */
					char buf[64];
					ssize_t got = read(p[0], buf, sizeof buf);
					if (got > 0) {
						strncat(text, buf, got);
						/* One signal per message, not per read: a host slow to run the loop
						 * reads two messages at once (natively too, under load). */
						uint64_t lines = 0;
						for (ssize_t k = 0; k < got; k++)
							lines += buf[k] == '\n';
						if (lines)
							write(efd, &lines, sizeof lines);
					} else {
						eof |= got == 0;
						break;
					}
				}
			} else if (ev[i].data.u32 == EVENT_ID) {
				uint64_t v;
				if (read(efd, &v, sizeof v) == sizeof v)
					signalled += v;
			} else if (ev[i].data.u32 == TIMER_ID) {
				uint64_t v;
				if (read(tfd, &v, sizeof v) == sizeof v)
					expirations += v;
				e = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.u32 = TIMER_ID};
				epoll_ctl(ep, EPOLL_CTL_MOD, tfd, &e);
			}
		}
	}
	uint64_t left;
	if (read(efd, &left, sizeof left) == sizeof left) /* signalled in the round that saw the end */
		signalled += left;
	int status;
	waitpid(child, &status, 0);
	printf("%s", text);
	printf("eventfd total: %llu\n", (unsigned long long)signalled);
	printf("timer fired: %d\n", expirations > 0);
	printf("pipe: eof=%d hup=%d\n", eof, hup);
	printf("child: %d\n", WEXITSTATUS(status));
	return 0;
}
