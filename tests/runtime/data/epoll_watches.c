/* Add epoll items until the kernel refuses one (max_user_watches), then free them and add again. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define FDS 60
#define EPOLLS 200

static int fill(int *eps, const int *fds, int *err)
{
	int added = 0;
	for (int i = 0; i < EPOLLS; i++)
		eps[i] = -1;
	for (int i = 0; i < EPOLLS; i++) {
		eps[i] = epoll_create1(0);
		for (int j = 0; j < FDS; j++) {
			struct epoll_event e = {.events = EPOLLIN};
			if (epoll_ctl(eps[i], EPOLL_CTL_ADD, fds[j], &e) != 0) {
				*err = errno;
				return added;
			}
			added++;
		}
	}
	*err = 0;
	return added;
}

int main(void)
{
	int fds[FDS], eps[EPOLLS];
	fds[0] = eventfd(0, 0);
	for (int j = 1; j < FDS; j++)
		fds[j] = dup(fds[0]);
	int err;
	int first = fill(eps, fds, &err);
	printf("items before the limit: %d (%s)\n", first, err ? strerrorname_np(err) : "none");
	for (int i = 0; i < EPOLLS; i++)
		if (eps[i] >= 0)
			close(eps[i]);
	int again = fill(eps, fds, &err);
	printf("after closing the instances: %d (%s)\n", again, err ? strerrorname_np(err) : "none");
	return 0;
}
