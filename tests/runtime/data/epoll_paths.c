/*
 * Epoll instances nested densely: five levels of 30, each watching every
 * instance of the level below, the bottom ones an eventfd. Linux refuses an
 * item (EINVAL) that would give one file too many wake-up paths of a length
 * (500 through two instances, 100 through three, ...): which adds are
 * refused, and what is then ready, is the same on any Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#define WIDTH 30
#define LEVELS 5

int main(void)
{
	int level[LEVELS][WIDTH];
	int efd = eventfd(1, 0);
	for (int k = 0; k < LEVELS; k++) {
		int refused = 0, first_errno = 0, first_at = -1;
		for (int i = 0; i < WIDTH; i++) {
			level[k][i] = epoll_create1(0);
			struct epoll_event e = {.events = EPOLLIN};
			if (k == 0) {
				epoll_ctl(level[k][i], EPOLL_CTL_ADD, efd, &e);
				continue;
			}
			for (int j = 0; j < WIDTH; j++)
				if (epoll_ctl(level[k][i], EPOLL_CTL_ADD, level[k - 1][j], &e) != 0) {
					if (!refused++) {
						first_errno = errno;
						first_at = i * WIDTH + j;
					}
				}
		}
		printf("level %d: %d refused, the first at add %d (%s)\n", k, refused, first_at,
		       first_errno ? strerrorname_np(first_errno) : "-");
	}
	for (int k = 0; k < LEVELS; k++) {
		int ready = 0;
		struct epoll_event out[1];
		for (int i = 0; i < WIDTH; i++)
			ready += epoll_wait(level[k][i], out, 1, 0) == 1;
		printf("level %d: %d instances ready\n", k, ready);
	}
	return 0;
}
