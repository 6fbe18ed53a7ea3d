/*
 * Add epoll items until the kernel refuses one (max_user_watches). The items
 * come back when their files' last descriptors close (with the instances
 * left open and untouched), and when the instances close.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define FDS 60
#define EPOLLS 150

static void open_files(int *fds)
{
	fds[0] = eventfd(0, 0);
	for (int j = 1; j < FDS; j++)
		fds[j] = dup(fds[0]);
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void fill(const char *what, int *eps, const int *fds)
{
	int added = 0, err = 0;
	for (int i = 0; i < EPOLLS; i++)
		eps[i] = -1;
	for (int i = 0; i < EPOLLS && !err; i++) {
		eps[i] = epoll_create1(0);
		for (int j = 0; j < FDS && !err; j++) {
			struct epoll_event e = {.events = EPOLLIN};
			if (epoll_ctl(eps[i], EPOLL_CTL_ADD, fds[j], &e) != 0)
				err = errno;
			else
				added++;
		}
	}
	printf("%s: %d (%s)\n", what, added, err ? strerrorname_np(err) : "none");
}

int main(void)
{
	int fds[FDS], first[EPOLLS], second[EPOLLS];
	open_files(fds);
	fill("items before the limit", first, fds);
	close_all(fds, FDS);
	open_files(fds);
	fill("after closing the watched files", second, fds);
	close_all(first, EPOLLS);
	close_all(second, EPOLLS);
	fill("after closing the instances", first, fds);
	return 0;
}
