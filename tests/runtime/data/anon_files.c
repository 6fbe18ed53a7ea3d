/* What eventfd, timerfd and epoll descriptors look like (fstat, /proc/self/fd), and epoll on the host's stdin. */
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

int main(void)
{
	int fds[3] = {eventfd(0, 0), timerfd_create(CLOCK_MONOTONIC, 0), epoll_create1(0)};
	for (int i = 0; i < 3; i++) {
		struct stat st;
		fstat(fds[i], &st);
		char path[64], link[128] = {0};
		snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
		readlink(path, link, sizeof link - 1);
		printf("%s mode=%o nlink=%lu size=%ld\n", link, st.st_mode, (unsigned long)st.st_nlink, (long)st.st_size);
	}
	struct epoll_event e = {.events = EPOLLIN, .data.u64 = 9};
	epoll_ctl(fds[2], EPOLL_CTL_ADD, 0, &e);
	int n = epoll_wait(fds[2], &e, 1, 5000);
	char buf[16] = {0};
	ssize_t got = read(0, buf, sizeof buf - 1);
	printf("stdin: %d events=%#x data=%llu read=%zd\n", n, e.events, (unsigned long long)e.data.u64, got);
	return 0;
}
