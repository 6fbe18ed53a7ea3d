/* Record locks are kernel memory: a lock on every other byte of a file until RAM has no room for another
 * ends in ENOLCK; with them dropped by one unlock, RAM is back and a lock works again. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int lock(int fd, short type, off_t start, off_t len) {
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	return fcntl(fd, F_SETLK, &fl);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("locking\n");
	int fd = open("/f", O_RDWR | O_CREAT, 0644);
	long count = 0;
	while (lock(fd, F_WRLCK, 2 * count, 1) == 0) count++;
	int error = errno;
	printf("fcntl: %s\n", strerror(error));
	printf("%s\n", count > 10000 ? "full after many thousands" : "full too soon");
	printf("unlock all: %d\n", lock(fd, F_UNLCK, 0, 0));
	printf("lock again: %d\n", lock(fd, F_RDLCK, 0, 1));
	return 0;
}
