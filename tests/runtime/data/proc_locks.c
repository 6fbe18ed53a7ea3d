/* /proc/locks while a process holds a flock, a POSIX and an OFD lock. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

int main(void) {
	int fd = open("f", O_RDWR | O_CREAT, 0644), ofd = open("f", O_RDWR);
	struct flock rd = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 10};
	struct flock wr = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 0};
	if (flock(fd, LOCK_EX) || fcntl(fd, F_SETLK, &rd) || fcntl(ofd, F_OFD_SETLK, &wr)) return 1;
	printf("%d \n", getpid());
	fflush(stdout);
	char buf[4096];
	int p = open("/proc/locks", O_RDONLY);
	ssize_t n = read(p, buf, sizeof buf);
	if (n <= 0) return 2;
	fwrite(buf, 1, n, stdout);
	return 0;
}
