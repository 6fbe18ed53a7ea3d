/* readv of a large file into one large buffer, the buffer mapped but not yet touched: natively the whole
 * count is read (MAX_RW_COUNT at most); on a machine with less RAM than that its copy runs out of memory.
 * Either way the emulator must not hold the count in host memory at once (test_runtime_hostfs_limits.py). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv) {
	size_t size = strtoull(argv[2], NULL, 0);
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED) {
		printf("mmap: %s\n", strerrorname_np(errno));
		return 1;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("open: %s\n", strerrorname_np(errno));
		return 1;
	}
	struct iovec iov = {buf, size};
	ssize_t n = readv(fd, &iov, 1);
	if (n < 0)
		printf("readv: %s\n", strerrorname_np(errno));
	else
		printf("readv: %zd\n", n);
	return 0;
}
