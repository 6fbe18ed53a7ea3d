/* wait_asleep(pid): until process `pid` sleeps (state S in /proc/PID/stat), so that it is blocked in the
 * call it made; a fixed sleep is not enough on a loaded host, natively. Shared by the test programs
 * here that race a child into a blocking call. */
#ifndef WAIT_ASLEEP_H
#define WAIT_ASLEEP_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static void wait_asleep(pid_t pid) {
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	for (int i = 0; i < 20000; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
		if (fd >= 0) close(fd);
		if (n > 0) {
			buf[n] = 0;
			char *p = strrchr(buf, ')');
			if (p && p[2] == 'S') return;
		}
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	printf("process %d never slept\n", pid);
	exit(3);
}

#endif
