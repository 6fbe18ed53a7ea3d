/* Writing to the program that runs: ETXTBSY for an open for writing, creat and truncate of its own file
 * (through /proc/self/exe), which Linux's exec denies while the process runs it; reading it is fine, and a
 * copy of it (not running) may be written. Run natively and on the machine, the output must be the same. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void said(const char *what, int result) {
	printf("%s: %s\n", what, result >= 0 ? "ok" : strerrorname_np(errno));
	if (result > 2) close(result);
}

int main(void) {
	said("open O_RDONLY", open("/proc/self/exe", O_RDONLY));
	said("open O_WRONLY", open("/proc/self/exe", O_WRONLY));
	said("open O_RDWR", open("/proc/self/exe", O_RDWR));
	said("open O_RDONLY|O_TRUNC", open("/proc/self/exe", O_RDONLY | O_TRUNC));
	said("creat", creat("/proc/self/exe", 0755));
	said("truncate", truncate("/proc/self/exe", 0));
	int copy = open("copy", O_CREAT | O_WRONLY | O_TRUNC, 0755);
	said("a copy, written", copy >= 0 ? (int)write(copy, "#!/bin/sh\n", 10) : -1);
	said("truncate the copy", truncate("copy", 0));
	if (copy >= 0) close(copy);
	said("still runs", 0);
	return 0;
}
